"""The report's page parts: tables written for people, safe text, light responsive figures."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from seqrec_core.figures.explanation import attention_heatmap_figure
from seqrec_core.report import plotly_bundle
from seqrec_core.report.figure_book import MAX_POINTS, FigureBook, fit_for_report
from seqrec_core.report.numbers import percent
from seqrec_core.report.page import CSS, page, rich_text, setting_text, settings_table, table
from seqrec_core.report.shopper_section import hover_by_axis, one_article

_SPEC = re.compile(r"<script type='application/json' class='figure-spec'[^>]*>(.*?)</script>", re.S)


def _cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", html)


def test_table_writes_counts_without_decimals_and_other_numbers_to_three_digits() -> None:
    """Regression: "examples 52.0000" and "0.1240871" in the metric tables."""
    frame = pd.DataFrame(
        {"examples": [52.0, 1047.0], "NDCG@10": [0.1240871, 0.0000123], "users": [3, 59651]}
    )
    html = table(frame, {"examples": lambda v: f"{v:,.0f}"})
    assert _cells(html) == ["52", "0.124", "3", "1,047", "0.0000123", "59,651"]
    assert "52.0" not in html and "0.0000<" not in html


def test_table_cells_use_the_column_formatter_and_mark_missing_values() -> None:
    frame = pd.DataFrame({"HR@10": [0.2834, np.nan], "ok": [True, False], "name": ["<b>", None]})
    html = table(frame, {"HR@10": percent})
    assert _cells(html) == ["28%", "yes", "&lt;b&gt;", "—", "no", "—"]
    assert html.startswith("<div class='table-box'>")  # scrolls inside its box when too wide


def test_settings_show_the_saved_value_not_a_rounded_one() -> None:
    """Regression: "layer_norm_eps 0.0000" in the model card."""
    values = (1e-12, 1e-08, 0.003, 5.0, 0.0, 64, True, "sdpa", [1, 2])
    assert [setting_text(v) for v in values] == [
        "1e-12",
        "1e-8",
        "0.003",
        "5",
        "0",
        "64",
        "true",
        "sdpa",
        "[1, 2]",
    ]
    html = settings_table({"layer_norm_eps": 1e-12, "hidden_size": 64})
    assert _cells(html) == ["layer_norm_eps", "1e-12", "hidden_size", "64"]


def test_rich_text_escapes_everything_but_its_own_emphasis() -> None:
    html = rich_text(lambda em: f"had a <i>peek</i> at {em('Tent <script>')}")
    assert html == "had a &lt;i&gt;peek&lt;/i&gt; at <b>Tent &lt;script&gt;</b>"
    # A name holding the private emphasis marks cannot open an unbalanced <b>.
    assert "<b>" not in rich_text(lambda em: em("\ue000x"))


def test_doubled_article_before_a_title_is_dropped() -> None:
    """Regression: "like the The Ember Throne they bought" in knowledge-graph links."""
    assert one_article("Also in Fantasy, like the The Ember Throne they bought.") == (
        "Also in Fantasy, like The Ember Throne they bought."
    )
    assert one_article("like the A Frame Tent") == "like A Frame Tent"
    assert one_article("like the Theory Book") == "like the Theory Book"


def test_long_line_traces_are_thinned_keeping_both_ends() -> None:
    steps = np.arange(5_003)
    fig = go.Figure(go.Scatter(x=steps, y=steps * 2.0, customdata=steps))
    fig.update_layout(width=1_700)
    fitted = fit_for_report(fig)
    x = np.asarray(fitted.data[0].x)
    assert len(x) <= MAX_POINTS and x[0] == 0 and x[-1] == 5_002
    assert np.array_equal(fitted.data[0].y, x * 2.0)
    assert np.array_equal(fitted.data[0].customdata, x)
    assert len(fig.data[0].x) == 5_003  # the original is left alone
    assert fitted.layout.width is None and fitted.layout.autosize is True
    assert fitted.layout.xaxis.automargin is True and fitted.layout.yaxis.automargin is True


def test_margins_are_widened_to_a_floor_never_narrowed() -> None:
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 90})
    margin = fit_for_report(fig).layout.margin
    assert (margin.l, margin.r, margin.t, margin.b) == (10, 20, 70, 90)


def test_the_template_is_written_once_however_many_figures() -> None:
    book = FigureBook()
    parts = [book.add(go.Figure(go.Bar(x=[i], y=[i]))) for i in range(6)]
    one_figure = max(len(p) for p in parts)
    assert one_figure < 1_500  # no 7 kB template in each figure
    assert book.script().count('"t0":') == 1 and '"t1"' not in book.script()
    assert book.count == 6 and book.trace_types == {"bar"}


def test_figure_json_cannot_close_its_script_element() -> None:
    book = FigureBook()
    hostile = "</script><img src=x onerror=alert(1)>"
    html = book.add(go.Figure(go.Bar(x=[hostile], y=[1], name=hostile)), caption="c")
    assert "</script><img" not in html and "<img" not in html
    spec = json.loads(_SPEC.search(html).group(1))
    assert spec["data"][0]["name"] == hostile  # the browser reads the same text back


def test_attention_map_of_fifty_events_stays_small() -> None:
    """Regression: a 50-event attention map carried 300 kB of per-cell hover names."""
    labels = [
        f"{i + 1}. Lumora V150 Mirrorless Camera with a long name (P{i:04d}) · view"
        for i in range(50)
    ]
    weights = np.random.default_rng(0).random((50, 50))
    fig = hover_by_axis(attention_heatmap_figure(weights, labels, title="Attention"), labels)
    spec = _SPEC.search(FigureBook().add(fig)).group(1)
    assert len(spec) < 32_000
    trace = json.loads(spec)["data"][0]
    assert trace["x"] == labels and "customdata" not in trace
    assert trace["z"]["dtype"] == "f4"  # float32 cells


def test_page_embeds_the_cartesian_bundle_once_and_responsive_css() -> None:
    book = FigureBook()
    body = book.add(go.Figure(go.Heatmap(z=[[1, 2]]))) + book.add(go.Figure(go.Scatter(y=[1])))
    html = page("Review <x>", body, book)
    bundle = plotly_bundle.cartesian_bundle()
    assert bundle is not None and html.count(bundle.source) == 1
    assert html.count("plotly.js (cartesian") == 1 and get_plotlyjs()[:2_000] not in html
    assert "<title>Review &lt;x&gt;</title>" in html
    assert "name='viewport'" in html and "max-width:1100px" in CSS
    assert re.search(r"\.table-box\{[^}]*overflow-x:auto", CSS)
    assert len(html.encode()) < 1_600_000


def test_vendored_bundle_matches_plotly_and_draws_the_report_traces() -> None:
    """A plotly upgrade must refresh assets/plotly-cartesian.min.js (see plotly_bundle)."""
    bundle = plotly_bundle.cartesian_bundle()
    assert bundle is not None, "the vendored bundle is missing or not plotly.py's version"
    assert bundle.version == plotly_bundle.full_bundle().version
    assert bundle.draws({"scatter", "bar", "heatmap"})
    assert not bundle.draws({"scattergl"})


@pytest.mark.parametrize(("traces", "partial"), [({"bar"}, True), ({"bar", "sankey"}, False)])
def test_a_trace_outside_the_partial_bundle_falls_back_to_the_full_one(
    traces: set[str], partial: bool
) -> None:
    chosen = plotly_bundle.plotly_js(traces)
    assert (chosen.traces is not None) is partial
    assert chosen.draws(traces)
