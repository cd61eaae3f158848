"""One shopper's section of the review report: what they are shown, and why.

It opens with the Explain page's sentence (why the first recommendation, and what would
change it), then the recommendations with the model's reason and the knowledge-graph
link beside each, the explanation figures with a caption in words, and the numbers only
a data scientist needs (IG's convergence delta, the per-method deletion verdicts) in a
"for data scientists" block. Sentences come from `explain.sentences`, escaped here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go

from seqrec_core.errors import InputError
from seqrec_core.explain.explanation import Explanation, explain_user
from seqrec_core.explain.options import DELTA_FLOOR, LARGE_DELTA, METHOD_NAMES, ExplainOptions
from seqrec_core.explain.sentences import (
    counterfactual_sentence,
    group_sentence,
    trust_sentence,
    verdict_sentence,
)
from seqrec_core.figures import explanation as fx
from seqrec_core.figures import faithfulness as ff
from seqrec_core.kg.graph import KnowledgeGraph
from seqrec_core.recommend.graph_reasons import graph_connections
from seqrec_core.recommend.recommender import Event, RunRecommender
from seqrec_core.report.figure_book import FigureBook
from seqrec_core.report.numbers import count, significant
from seqrec_core.report.page import esc, rich_text, table

RECOMMENDED = 10  # items listed per shopper
# (shopper, recommended item ids) → the knowledge graph around them (`local_graph`)
GraphFor = Callable[[str, Sequence[str]], KnowledgeGraph]
CAPTIONS = {
    "timeline": "Each dot is one event the model reads, oldest on the left; the row is its type.",
    "methods": "How much each past event raised (right) or lowered (left) the score of the first "
    "recommendation, by each method, scaled so each method's largest effect is 1. Occlusion "
    "removes the event and re-scores; Integrated Gradients follows the model's gradient from "
    "an empty history; attention shows where the model looked.",
    "attention": "Attention rollout: how much each position (row) draws on each event (column) "
    "through all layers; darker is more. It shows where the model looks, not why.",
    "deletion": "The deletion check: the score of the first recommendation as the events each "
    "method ranks first are removed, against random removal orders (dashed). A curve that "
    "falls faster than random means the method found the events that matter.",
    "agreement": "Rank correlation between the methods' orderings of the events: 1 the same "
    "order, 0 unrelated, −1 opposite.",
}
# kg.paths writes "like the {title} they bought"; a title that starts with an article would
# read "like the The Ember Throne …".
_DOUBLED_ARTICLE = re.compile(r"\bthe (?=(?:The|A|An) )")


def one_article(sentence: str) -> str:
    """ "like the The Ember Throne they bought" → "like The Ember Throne they bought"."""
    return _DOUBLED_ARTICLE.sub("", sentence)


def _recommendations(
    engine: RunRecommender, graph_for: GraphFor, user: str, history: tuple[Event, ...]
) -> str:
    """The shopper's top items with the model's reason and the knowledge-graph link."""
    listed = engine.recommend(history, k=RECOMMENDED, user=user)
    kg = graph_for(user, [item.item_id for item in listed.items])
    rows = [
        {
            "rank": item.rank,
            "item": item.fields.get("title", item.item_id),
            "category": item.fields.get("category"),
            "brand": item.fields.get("brand"),
            "model's reason": item.reason,
            "knowledge-graph link": one_article(link) if link else None,
            "score": item.score,
        }
        for item, link in zip(listed.items, graph_connections(kg, listed), strict=True)
    ]
    note = f"<p class='warn'>Cold start: {esc(listed.fallback)}</p>" if listed.fallback else ""
    return (
        note
        + table(pd.DataFrame(rows))
        + "<p class='note'>The model's reason names the past event that lifts the item most; "
        "the knowledge-graph link is a second, model-free reason from the catalog and what "
        "other shoppers did. Score: the model's raw preference (higher ranks first; not a "
        "probability).</p>"
    )


def hover_by_axis(fig: go.Figure, labels: list[str]) -> go.Figure:
    """Name an attention map's cells by their axes instead of a per-cell hover table.

    The Explain page's heatmap may carry both events' full names for every cell (an
    N × N table, 300 kB for 50 events); here the axes hold the full names (the hover shows
    them) while the ticks keep the figure's own, possibly shortened, labels.

    Args:
        fig: `attention_heatmap_figure` output (changed in place and returned).
        labels: the full position labels it was drawn with.
    """
    if len(set(labels)) < len(labels) or not fig.data:
        return fig  # repeated labels would merge categories on the axes
    trace = fig.data[0]
    ticks = [str(t) for t in trace.x] if trace.x is not None else labels
    trace.update(
        x=labels,
        y=labels,
        customdata=None,
        hovertemplate="query %{y}<br>key %{x}<br>weight %{z:.2f}<extra></extra>",
    )
    positions = list(range(len(labels)))  # a category axis places ticks by position
    fig.update_xaxes(tickmode="array", tickvals=positions, ticktext=ticks)
    fig.update_yaxes(tickmode="array", tickvals=positions, ticktext=ticks)
    return fig


def _figures(expl: Explanation, events: pd.DataFrame, target: str) -> list[tuple[go.Figure, str]]:
    """The explanation figures of one shopper, each with its caption."""
    methods = list(expl.attributions())
    figs = [
        (fx.timeline_figure(events, title="The events the model reads"), "timeline"),
        (
            fx.method_comparison_figure(events, methods, title=f"What drove {target}, by method"),
            "methods",
        ),
    ]
    if expl.attention is not None:
        labels = list(events["label"]) + ["[MASK]"] * expl.attention.extra_slots
        rollout = fx.attention_heatmap_figure(
            expl.attention.rollout, labels, title="Attention rollout across layers"
        )
        figs.append((hover_by_axis(rollout, labels), "attention"))
    if expl.curves is not None:
        figs.append((ff.deletion_curve_figure(expl.curves.frame(), target=target), "deletion"))
        figs.append((ff.agreement_figure(expl.agreement()), "agreement"))
    return [(fig, CAPTIONS[key]) for fig, key in figs]


def _for_data_scientists(expl: Explanation) -> str:
    """IG's convergence delta, the deletion verdict per method and the explainers' notes."""
    lines = []
    if expl.ig is not None:
        delta = float(expl.ig.convergence_delta[0])
        large = bool(expl.ig.large_delta(LARGE_DELTA, DELTA_FLOOR)[0])
        lines.append(
            f"Integrated Gradients convergence delta {esc(significant(delta))}"
            f"{' (large: read IG with care)' if large else ''}: the gap between the sum of "
            "the attributions and the score change they explain; near 0, IG's approximation holds."
        )
    if expl.curves is not None:
        verdicts = ", ".join(
            f"{METHOD_NAMES[m]} {'beats' if expl.curves.faithful(m) else 'does not beat'} random"
            for m in expl.curves.scores
        )
        lines.append(f"Deletion check: {esc(verdicts)}.")
    lines += [esc(note) for note in expl.notes]
    if not lines:
        return ""
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f"<details><summary>For data scientists</summary><ul>{items}</ul></details>"


def user_section(
    engine: RunRecommender,
    graph_for: GraphFor,
    user: str,
    options: ExplainOptions,
    book: FigureBook,
) -> str:
    """One shopper: the plain finding, recommendations with reasons, figures, details.

    `graph_for(user, items)` gives the knowledge graph around the shopper that also holds
    `items` (what they are recommended), for the link beside each recommendation.

    Raises:
        InputError: `user` is not in the run's dataset.
    """
    history = engine.user_history(user)
    if history is None:
        raise InputError(
            f"user {user!r} is not in this run's dataset", hint="pick users from the dataset"
        )
    loaded = engine.loaded
    catalog = loaded.prepared.catalog
    expl = explain_user(
        loaded.checkpoint.model, loaded.prepared.data, user, catalog=catalog, options=options
    )
    names = fx.item_names(catalog)
    target = names.get(expl.target_item, expl.target_item)
    events = fx.labelled_events(expl.positions(), catalog)
    parts = [
        f"<section class='user'><h2>Shopper {esc(user)}</h2>",
        f"<p><b>{rich_text(lambda em: verdict_sentence(expl, names, em))}</b></p>",
    ]
    if expl.curves is not None:
        faithful = {m: expl.curves.faithful(m) for m in expl.curves.scores}
        parts.append(f"<p>{esc(trust_sentence(faithful))}</p>")
    parts += [
        f"<p class='note'>{count(len(history))} events in the shop's data; the model reads the "
        f"last {count(len(expl.history.item_ids))}.</p>",
        "<h3>What this shopper is shown</h3>",
        _recommendations(engine, graph_for, user, history),
        "<h3>Why the first recommendation</h3>",
        f"<p>{rich_text(lambda em: counterfactual_sentence(expl, names, em))}</p>",
        f"<p>{rich_text(lambda em: group_sentence(expl.groups, target, em))}</p>",
    ]
    parts += [
        book.add(fig, caption=esc(caption)) for fig, caption in _figures(expl, events, target)
    ]
    parts.append(_for_data_scientists(expl))
    return "\n".join(parts) + "</section>"
