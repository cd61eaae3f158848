"""The Explain page through AppTest, on real runs trained on the tiny shop in seconds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seqrec_core.report.review_report import list_reports
from seqrec_core.store import Workspace
from tests.support.helpers import markdown_text, open_page
from tests.support.tiny_shop import small_sasrec, tiny_workspace, train_run

PAGE = "pages/explain.py"
PAGE_TABS = [
    "Why",
    "Categories and brands",
    "Attention",
    "Can you trust it?",
    "Audit many shoppers",
    "Export and review report",
]

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str, str]:
    workspace = tiny_workspace(Path(tmp_path_factory.mktemp("page-explain")))
    return workspace, small_sasrec(workspace), train_run(workspace, "cooc")


@pytest.fixture
def shop(trained, monkeypatch: pytest.MonkeyPatch) -> tuple[Workspace, str, str]:
    monkeypatch.setenv("SEQREC_WORKSPACE", str(trained[0].root))
    return trained


def _significant_digits(text: str) -> int:
    """Significant digits of a number as `report.numbers.significant` writes it."""
    digits = text.lstrip("-").replace(",", "").replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) if "." not in text else len(digits)


def test_a_link_opens_the_run_and_user_with_every_section(shop) -> None:
    _, sasrec, _ = shop
    at = open_page(PAGE, {"run": sasrec, "user": "u03"})
    assert at.title[0].value == "Explain"
    assert at.selectbox(key="run").value == sasrec
    assert at.session_state["user"] == "u03" and at.query_params["user"] == "u03"
    (header,) = at.header
    assert header.value.startswith("Shopper u03 → Gadget")  # catalog titles, not ids
    verdict = next(m.value for m in at.markdown if str(m.value).startswith("#### "))
    assert re.search(
        r"is recommended first, (mainly|partly) because this shopper (viewed|added|bought)",
        verdict,
    ), verdict
    assert re.search(r"it would (drop to|stay at|rise to) rank [\d,]+", verdict), verdict
    assert "**Gadget" in verdict  # item names, emphasised, never raw ids
    text = markdown_text(at)
    assert "Smallest change that changes the first recommendation" in text
    assert "the first recommendation would be" in text or "keeps the same first" in text
    assert "the check" in text  # which explanations pass the deletion check, in words
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rank"] == "1"
    assert {"Past events the model reads", "Score", "IG convergence delta"} <= set(metrics)
    for label in ("Score", "IG convergence delta"):  # for people: 2-3 significant digits
        assert "e" not in metrics[label] and _significant_digits(metrics[label]) <= 3
    tabs = [t.label for t in at.tabs]
    assert [t for t in tabs if t in PAGE_TABS] == PAGE_TABS
    assert "Across layers (rollout)" in tabs  # the attention tab's own tabs
    assert "Which past events drove the score" in [s.value for s in at.subheader]
    charts = at.get("plotly_chart")
    assert len(charts) >= 10  # timeline, occlusion, IG, methods, groups, 3 attention, 4 checks
    assert not at.json  # no raw JSON anywhere
    assert [b.label for b in at.get("download_button")][:1] == ["Events and attributions (CSV)"]


def test_picking_another_target_explains_its_score(shop) -> None:
    _, sasrec, _ = shop
    at = open_page(PAGE, {"run": sasrec, "user": "u03"})
    first = at.header[0].value
    at.selectbox(key="explain_target").set_value("i05")
    next(b for b in at.button if b.label == "Explain").click().run()
    assert not at.exception, at.exception
    assert at.session_state["explain_target"] == "i05"
    assert at.header[0].value != first and "Gadget 5 Pro" in at.header[0].value
    rank = next(m.value for m in at.metric if m.label == "Rank")
    assert int(rank.replace(",", "")) > 1  # not the first recommendation
    verdict = next(m.value for m in at.markdown if str(m.value).startswith("#### "))
    assert verdict.startswith(f"#### **Gadget 5 Pro** is at rank {rank}"), verdict


def test_switching_the_model_starts_again_from_its_first_recommendation(shop) -> None:
    """Regression: after switching the model, "Explain the score of" still showed the
    target picked for the previous model."""
    _, sasrec, cooc = shop
    at = open_page(PAGE, {"run": sasrec, "user": "u03"})
    at.selectbox(key="explain_target").set_value("i05")
    next(b for b in at.button if b.label == "Explain").click().run()
    assert at.session_state["explain_target"] == "i05"
    at.selectbox(key="run").set_value(cooc).run()
    assert not at.exception, at.exception
    assert at.session_state["explain_target"] == ""
    assert at.selectbox(key="explain_target").value == ""
    assert next(m.value for m in at.metric if m.label == "Rank") == "1"


def test_lists_of_users_and_typing_an_id(shop) -> None:
    _, sasrec, _ = shop
    at = open_page(PAGE, {"run": sasrec})
    picker = at.selectbox(key="user")
    assert picker.value == picker.options[0].split(" · ")[0]  # the most confident case
    assert re.search(r" → .+ \(\d+% sure, \d+% of events in other categories\)", picker.options[0])
    at.radio(key="shopper_order").set_value("Least confident").run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="user")
    picked = picker.value
    assert picker.options[0].startswith(f"{picked} · ")  # a new order opens its first case
    assert at.session_state["user"] == picked and at.query_params["user"] == picked
    at.text_input(key="shopper_search").set_value("u11").run()
    assert at.header[0].value.startswith("Shopper u11")
    at.text_input(key="shopper_search").set_value("nobody").run()
    assert not at.exception and any("No user id contains “nobody”" in w.value for w in at.warning)


def test_a_baseline_model_gets_occlusion_only(shop) -> None:
    _, _, cooc = shop
    at = open_page(PAGE, {"run": cooc, "user": "u03"})
    assert not at.exception, at.exception
    notes = " ".join(str(i.value) for i in at.info)
    assert "no gradients" in notes and "no attention" in notes
    assert "Attention" not in [t.label for t in at.tabs]
    labels = [m.label for m in at.metric]
    assert "Rank" in labels and "Score" in labels and "IG convergence delta" not in labels


def test_the_audit_runs_from_the_page(shop) -> None:
    _, sasrec, _ = shop
    at = open_page(PAGE, {"run": sasrec, "user": "u03"})
    at.number_input(key="explain_audit_users").set_value(5)
    next(b for b in at.button if b.label == "Run the audit").click().run()
    assert not at.exception, at.exception
    assert any(b.label == "Audit per shopper (CSV)" for b in at.get("download_button"))
    assert not at.json  # a table and a chart, not a JSON blob
    assert "Over 5 shoppers, " in markdown_text(at)
    audit_column = "Beats random events (whole curve)"
    table = next(d.value for d in at.dataframe if audit_column in d.value.columns)
    assert set(table["Method"]) == {"Integrated Gradients", "occlusion", "attention"}
    shares = table[audit_column]
    assert all(re.fullmatch(r"\d{1,3}%", share) for share in shares), list(shares)
    assert any("Audit of 5 shoppers" in c.proto.spec for c in at.get("plotly_chart"))


def test_without_a_trained_run_the_page_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    workspace = tiny_workspace(tmp_path)
    monkeypatch.setenv("SEQREC_WORKSPACE", str(workspace.root))
    at = open_page(PAGE)
    assert any("No trained model" in str(i.value) for i in at.info)
    links = at.get("page_link")
    assert any(link.proto.label == "Train a model on this dataset" for link in links)


def test_a_review_report_is_built_stored_and_offered_for_download(shop) -> None:
    ws, sasrec, _ = shop
    at = open_page(PAGE, {"run": sasrec, "user": "u05"})
    form = next(b for b in at.button if "Build the review report" in str(b.label))
    form.click().run()
    assert not at.exception, at.exception
    assert any("stored in the workspace" in str(s.value) for s in at.success)
    (report,) = list_reports(ws, sasrec)[:1]
    assert report.users == ("u05",) and report.path.is_file()
    downloads = [d for d in at.get("download_button") if "Download (HTML)" in d.proto.label]
    assert downloads, "the stored report is offered for download"
