"""Deletion curves, comprehensiveness, agreement, counterfactuals and the audit.

Known answers on the linear toy (each event's contribution is exact, so the order by
contribution is the best deletion order and occlusion equals it), brute force for the
counterfactual, and the whole `explain_user` / `audit` path on a small trained run.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from seqrec_core.errors import InputError
from seqrec_core.explain.audit import (
    audit,
    audit_options,
    audit_progress,
    audit_shopper,
    sample_users,
)
from seqrec_core.explain.cases import user_cases
from seqrec_core.explain.counterfactual import minimal_counterfactual, set_budget
from seqrec_core.explain.explanation import explain_user, first_recommendations
from seqrec_core.explain.faithfulness import agreement, deletion_curves, deletion_order, spearman
from seqrec_core.explain.options import ExplainOptions
from seqrec_core.explain.rescoring import excluded_items, score_variants, top_items
from seqrec_core.models import build_model
from seqrec_core.runs.trained_run import LoadedRun, load_run
from tests.support.tiny_shop import small_sasrec, tiny_workspace, train_run
from tests.support.toy_models import IDS, TYPES, linear_toy

NONE_EXCLUDED = torch.tensor([True] + [False] * 9)


def test_deletion_order_is_by_attribution_ties_newest_first() -> None:
    assert deletion_order(np.array([0.1, 0.5, 0.1, -2.0, 0.5])).tolist() == [4, 1, 2, 0, 3]


def test_deletion_curve_of_the_true_best_order_beats_random() -> None:
    """On a linear scorer the contributions are the truth: removing them in that order
    lowers the score at least as fast as any random order, and the curve is exact."""
    toy = linear_toy()
    target = 3
    truth = toy.contributions(IDS, TYPES, target).numpy()
    curves = deletion_curves(
        toy.score_items, IDS, TYPES, target, NONE_EXCLUDED, {"truth": truth}, random_orders=20
    )
    score = curves.scores["truth"]
    order = np.argsort(-truth, kind="stable")
    expected = score[0] - np.concatenate([[0.0], np.cumsum(truth[order])])
    np.testing.assert_allclose(score, expected, atol=1e-4)
    assert np.all(score[None, :] <= curves.random_scores + 1e-4)  # never above a random order
    assert curves.faithful("truth")
    assert curves.score_drop("truth") > curves.score_drop("random")
    table = curves.comprehensiveness().set_index("method")
    assert table.loc["truth", "k=1"] == pytest.approx(truth.max(), abs=1e-4)
    assert table.loc["truth", "k=5"] == pytest.approx(np.sort(truth)[::-1][:5].sum(), abs=1e-4)
    frame = curves.frame()
    assert set(frame["method"]) == {"truth", "random"} and len(frame) == 2 * (len(IDS) + 1)
    reverse = deletion_curves(
        toy.score_items, IDS, TYPES, target, NONE_EXCLUDED, {"worst": -truth}, random_orders=20
    )
    assert not reverse.faithful("worst")


def test_deletion_ranks_follow_the_scores() -> None:
    toy = linear_toy()
    curves = deletion_curves(toy.score_items, IDS, TYPES, 5, NONE_EXCLUDED, {"a": np.arange(6.0)})
    keep = torch.ones(1, len(IDS), dtype=torch.bool)
    keep[0, [5, 4]] = False  # the first two in order "a" (largest values)
    scores = score_variants(toy.score_items, IDS, TYPES, keep)[0]
    assert curves.ranks["a"][2] == int((scores[1:] > scores[5]).sum()) + 1


def test_spearman_and_agreement_known_answers() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    assert spearman(a, a * 10) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert spearman(a, np.array([1.0, 1.0, 2.0, 2.0])) == pytest.approx(0.894427, abs=1e-6)
    assert math.isnan(spearman(a[:2], a[:2]))
    assert math.isnan(spearman(a, np.ones(4)))
    matrix = agreement({"x": a, "y": -a, "z": np.array([2.0, 1.0, 4.0, 3.0])})
    assert matrix.loc["x", "x"] == 1.0 and matrix.loc["x", "y"] == pytest.approx(-1.0)
    assert matrix.loc["x", "z"] == pytest.approx(0.6)


# -- counterfactual ---------------------------------------------------------------------


def _top_without(toy, drop: tuple[int, ...], excluded: torch.Tensor) -> int:
    keep = torch.ones(1, len(IDS), dtype=torch.bool)
    keep[0, list(drop)] = False
    return int(top_items(score_variants(toy.score_items, IDS, TYPES, keep), excluded)[0, 0])


@pytest.mark.parametrize("seed", range(6))
def test_counterfactual_is_verified_and_as_small_as_brute_force(seed: int) -> None:
    toy = linear_toy(seed=seed)
    excluded = excluded_items(10, IDS, exclude_seen=True)
    original = _top_without(toy, (), excluded)
    guide = toy.contributions(IDS, TYPES, original).numpy()
    found = minimal_counterfactual(toy.score_items, IDS, TYPES, excluded, guide)
    smallest = next(
        (
            size
            for size in range(1, len(IDS) + 1)
            for drop in itertools.combinations(range(len(IDS)), size)
            if _top_without(toy, drop, excluded) != original
        ),
        None,
    )
    if smallest is None:
        assert found is None
        return
    assert found is not None and found.original_top == original
    assert len(found.removed) == smallest and found.proven_minimal
    assert _top_without(toy, found.removed, excluded) == found.new_top != original


def test_no_counterfactual_when_nothing_changes_the_top() -> None:
    pop = build_model("pop", num_items=9, max_len=7)
    pop.fit(torch.tensor([0, 3]), torch.tensor([2, 2, 5]))
    excluded = excluded_items(10, IDS, exclude_seen=False)
    assert minimal_counterfactual(pop.score_items, IDS, TYPES, excluded, np.zeros(6)) is None


def test_counterfactual_past_the_combination_budget_is_not_claimed_minimal() -> None:
    toy = linear_toy(seed=2)
    excluded = excluded_items(10, IDS, exclude_seen=True)
    original = _top_without(toy, (), excluded)
    guide = toy.contributions(IDS, TYPES, original).numpy()
    found = minimal_counterfactual(toy.score_items, IDS, TYPES, excluded, guide, budget=1)
    if found is not None and len(found.removed) > 1:
        assert not found.proven_minimal
        assert _top_without(toy, found.removed, excluded) == found.new_top


# -- the whole path on a trained run --------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LoadedRun]:
    workspace = tiny_workspace(Path(tmp_path_factory.mktemp("faithfulness")))
    return {
        "sasrec": load_run(workspace, small_sasrec(workspace)),
        "cooc": load_run(workspace, train_run(workspace, "cooc")),
        "bert4rec": load_run(
            workspace,
            train_run(workspace, "bert4rec", "hidden_size=16", "inner_size=24", "max_len=8"),
        ),
        "gru4rec": load_run(
            workspace,
            train_run(workspace, "gru4rec", "embedding_size=16", "hidden_size=12", "max_len=8"),
        ),
    }


def test_explain_user_runs_every_supported_method(runs: dict[str, LoadedRun]) -> None:
    loaded = runs["sasrec"]
    data, catalog = loaded.prepared.data, loaded.prepared.catalog
    expl = explain_user(loaded.model, data, "u03", catalog=catalog)
    top = first_recommendations(loaded.model, data, "u03")
    assert expl.target_item == top[0][0] and expl.target_rank == 1
    assert expl.target_score == pytest.approx(top[0][1], abs=1e-5)
    positions = expl.positions()
    assert len(positions) == 8 and expl.history.skipped == 0
    expected = {"ig", "ig_item", "ig_features", "ig_event_type", "occlusion", "attention"}
    assert expected <= set(positions.columns)
    assert list(positions["item_id"]) == [f"i{k:02d}" for k in range(10, 18)]
    assert set(expl.curves.scores) == {"ig", "occlusion", "attention"}
    assert set(expl.groups["kind"]) == {"category", "subcategory", "brand"}
    home = expl.groups.set_index("group").loc["Home"]
    assert home["events"] == sum(1 for k in range(10, 18) if k % 3)
    if expl.counterfactual is not None:
        assert expl.counterfactual_items[-1] != expl.target_item


def test_explain_user_target_and_errors(runs: dict[str, LoadedRun]) -> None:
    loaded = runs["sasrec"]
    data = loaded.prepared.data
    expl = explain_user(loaded.model, data, "u03", options=ExplainOptions(target="i05"))
    assert expl.target_item == "i05"
    with pytest.raises(InputError, match="unknown user"):
        explain_user(loaded.model, data, "nobody")
    with pytest.raises(InputError, match="unknown target item"):
        explain_user(loaded.model, data, "u03", options=ExplainOptions(target="nothing"))
    cooc = runs["cooc"]
    with pytest.raises(InputError, match="cooc does not support ig"):
        explain_user(cooc.model, cooc.prepared.data, "u03", options=ExplainOptions(methods=("ig",)))
    only = explain_user(
        cooc.model, cooc.prepared.data, "u03", options=ExplainOptions(methods=("occlusion",))
    )
    assert only.ig is None and only.attention is None and len(only.notes) == 2


def test_audit_summarises_every_method(runs: dict[str, LoadedRun]) -> None:
    loaded = runs["sasrec"]
    data = loaded.prepared.data
    users = sample_users(data, 6, seed=1)
    assert len(users) == 6 == len(set(users))
    options = ExplainOptions(n_steps=16, random_orders=4)
    said: list[tuple[float, str]] = []
    result = audit(
        loaded.model, data, users, options=options, progress=lambda f, m: said.append((f, m))
    )
    assert said[0] == (pytest.approx(1 / 6), "explained 1 of 6 shoppers")
    assert said[-1] == (1.0, "explained 6 of 6 shoppers") and len(said) == 6
    summary = result.summary()
    assert summary["users"] == 6 and set(summary["methods"]) == {
        "ig",
        "occlusion",
        "attention",
        "random",
    }
    assert 0.0 <= summary["methods"]["ig"]["faithful_share"] <= 1.0
    assert set(summary["agreement"]) == {"ig~occlusion", "ig~attention", "occlusion~attention"}
    assert summary["ig"]["mean_abs_convergence_delta"] < 1e-2
    table = result.method_table().set_index("method")
    assert list(table.index) == ["attention", "ig", "occlusion"]
    for method in table.index:
        stats = summary["methods"][method]
        assert table.loc[method, "deletion curve"] == stats["faithful_share"]
        assert table.loc[method, "top 3"] == stats["beats_random@3"]
        assert table.loc[method, "random drop"] == summary["methods"]["random"]["mean_score_drop"]
    # One shopper at a time (the page's cached rows) gives the same numbers, and the
    # target picked on the page never changes an audit.
    row = audit_shopper(
        loaded.model, data, users[2], ExplainOptions(target="i05", n_steps=16, random_orders=4)
    )
    expected = result.per_user.iloc[2].to_dict()
    assert row.keys() == expected.keys() and row["target_item"] == expected["target_item"]
    for key, value in row.items():
        if isinstance(value, float) and not math.isnan(value):
            assert value == pytest.approx(expected[key], abs=1e-6), key
    assert audit_options(ExplainOptions(target="i05")) == audit_options(ExplainOptions())


def test_audit_progress_counts_shoppers() -> None:
    assert audit_progress(12, 30) == "explained 12 of 30 shoppers"
    assert audit_progress(1_200, 2_000) == "explained 1,200 of 2,000 shoppers"


def test_user_cases_rank_users_by_confidence(runs: dict[str, LoadedRun]) -> None:
    loaded = runs["sasrec"]
    cases = user_cases(loaded.model, loaded.prepared.data, loaded.prepared.catalog)
    assert len(cases) == 29 and cases["confidence"].is_monotonic_decreasing
    assert cases["surprise"].between(0, 1).all()
    first = cases.iloc[0]
    assert (
        first_recommendations(loaded.model, loaded.prepared.data, first["user_id"])[0][0]
        == first["top_item"]
    )


@pytest.mark.parametrize(
    ("name", "methods", "window"),
    [
        ("bert4rec", {"attention", "ig", "occlusion"}, 7),  # [MASK] takes the 8th slot
        ("gru4rec", {"ig", "occlusion"}, 8),
    ],
)
def test_bert4rec_and_gru4rec_are_explained_alike(runs, name, methods, window) -> None:
    loaded = runs[name]
    expl = explain_user(loaded.model, loaded.prepared.data, "u03", catalog=loaded.prepared.catalog)
    assert set(expl.attributions()) == methods
    assert len(expl.history.item_ids) == window and expl.history.skipped == 8 - window
    assert abs(expl.ig.convergence_delta[0]) < 1e-3
    total = expl.ig.total[0].sum()
    assert total == pytest.approx(expl.ig.scores[0] - expl.ig.baseline_scores[0], abs=1e-3)
    assert expl.ig.scores[0] == pytest.approx(expl.target_score, abs=1e-4)
    if name == "bert4rec":
        assert expl.attention.extra_slots == 1  # the [MASK] is the last query and key


def test_the_counterfactual_budget_shrinks_with_the_catalog() -> None:
    assert set_budget(12_102) == 2000  # Beauty: the whole budget
    assert set_budget(100_001) == 499  # the same product scores per size
    assert set_budget(242_224) == 206
    assert set_budget(5_000_000) == 200  # never below the floor
