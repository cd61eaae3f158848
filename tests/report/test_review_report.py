"""The review report: valid self-contained HTML with the model card, shoppers and audit."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from seqrec_core.cli.main import main
from seqrec_core.data.shopper_events import read_shopper_events
from seqrec_core.errors import InputError
from seqrec_core.kg.graph import build_graph
from seqrec_core.kg.local_graph import shopper_graph
from seqrec_core.kg.shop_aggregates import cached_aggregates
from seqrec_core.recommend.graph_reasons import graph_connections
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.report.review_report import build_report, list_reports, render_report
from seqrec_core.report.shopper_section import RECOMMENDED
from seqrec_core.runs.trained_run import load_run
from seqrec_core.store import Workspace
from tests.support.tiny_shop import small_sasrec, tiny_workspace, train_run


class _Page(HTMLParser):
    """Collects tags, resource addresses and visible text; notes unclosed structure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.resources: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []
        self._hidden = 0  # inside <script> or <style>: not visible text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._hidden += tag in {"script", "style"}
        if tag not in {"meta", "br", "img", "input", "link"}:
            self.open.append(tag)
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.resources.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in {"script", "style"}
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    ws = tiny_workspace(tmp_path_factory.mktemp("report"))
    train_run(ws, "pop")
    return ws, small_sasrec(ws)


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def test_report_is_self_contained_html_with_every_section(
    reviewed: tuple[Workspace, str], tmp_path: Path
) -> None:
    ws, run_id = reviewed
    out = tmp_path / "review.html"
    info = build_report(
        ws, run_id, users=["u03", "u11"], out=out, audit_users=5, reviewer_note="pre-launch <check>"
    )
    text = out.read_text()
    assert text == info.path.read_text() and info.path.parent == ws.root / "reports"
    page = _parse(text)
    assert page.tags[0] == "html" and not page.open  # every element closed
    assert page.resources == []  # no src/href at all: nothing to fetch from a network
    assert "<script src" not in text and "@import" not in text
    body = " ".join(page.text)
    for heading in (
        "Model card",
        "Shopper u03",
        "Shopper u11",
        "Faithfulness audit over 5 shoppers",
        "Known limitations",
    ):
        assert heading in body
    assert "pre-launch <check>" in body and "<check>" not in text  # escaped, not markup
    assert "Test metrics beside every finished run" in body and "pop" in body  # the baseline row
    assert text.count("class='figure-spec'") >= 8  # curve + per shopper figures + audit
    assert text.count("Plotly.newPlot") == 1  # one script draws them all
    assert info.users == ("u03", "u11")


def test_reports_are_listed_with_their_creation_time(reviewed: tuple[Workspace, str]) -> None:
    ws, run_id = reviewed
    before = len(list_reports(ws, run_id))
    info = build_report(ws, run_id, users=["u05"], audit_users=0)
    listed = list_reports(ws, run_id)
    assert len(listed) == before + 1 and listed[0].report_id == info.report_id
    assert listed[0].created_at == info.created_at


def test_unknown_user_is_named(reviewed: tuple[Workspace, str]) -> None:
    ws, run_id = reviewed
    with pytest.raises(InputError, match="'nobody'"):
        build_report(ws, run_id, users=["nobody"], audit_users=0)


def test_report_cli_contract(
    reviewed: tuple[Workspace, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, run_id = reviewed
    out = tmp_path / "cli.html"
    argv = [
        "report",
        "--workspace",
        str(ws.root),
        "--run",
        run_id,
        "--users",
        "u02,u07",
        "--out",
        str(out),
    ]
    code = main([*argv, "--audit", "3", "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and answer["path"] == str(out) and answer["users"] == ["u02", "u07"]
    assert out.is_file() and "Shopper u07" in out.read_text()
    code = main([*argv[:-2], "--out", str(tmp_path / "x.html"), "--users", "ghost", "--json"])
    assert code == 1 and "'ghost'" in json.loads(capsys.readouterr().out)["error"]


def test_the_verdict_opens_the_report_and_the_terms_are_explained(
    reviewed: tuple[Workspace, str],
) -> None:
    ws, run_id = reviewed
    text, _ = render_report(ws, run_id, users=["u04"], audit_users=3)
    first = text.index("<p", text.index("</h1>"))
    assert text.startswith("<p class='verdict ", first)  # the first thing under the title
    verdict = text[first : text.index("</p>", first)]
    assert re.search(
        r"(Ready to approve|Approve only with conditions|Not ready: reject for now): ", verdict
    )
    assert "best-seller list" in verdict  # compared with the POP run of the fixture
    body = " ".join(_parse(text).text)
    assert "What the terms in this report mean" in body and "NDCG@10" in body
    assert "For data scientists: model and training settings" in body


def test_numbers_are_written_for_people(reviewed: tuple[Workspace, str]) -> None:
    """Regression: "layer_norm_eps 0.0000", "examples 52.0000" and "training minutes
    0.0012" in the model card."""
    ws, run_id = reviewed
    text, _ = render_report(ws, run_id, users=["u06"], audit_users=0)
    body = " ".join(_parse(text).text)
    assert not re.search(r"\d\.\d{4}\b", body)  # no four-decimal numbers anywhere
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", text)
    assert "1e-8" in cells  # SASRec's layer_norm_eps, as configured
    assert not any(re.fullmatch(r"\d+\.0+", c) for c in cells)  # counts without decimals
    assert "under 1 s" in cells or any(re.fullmatch(r"\d+ (s|min)", c) for c in cells)


def test_progress_counts_the_shoppers_of_every_step(reviewed: tuple[Workspace, str]) -> None:
    """Regression: the bar sat on "Auditing…" for most of a report."""
    ws, run_id = reviewed
    seen: list[tuple[float, str]] = []
    render_report(
        ws, run_id, users=["u02", "u09"], audit_users=4, progress=lambda f, m: seen.append((f, m))
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    messages = [m for _, m in seen]
    assert any("explained 2 of 2 shoppers" in m for m in messages)
    assert [m for m in messages if "Auditing" in m][-1].endswith("explained 4 of 4 shoppers")
    assert all(re.match(r"Step \d of \d · ", m) for m in messages[:-1])


def test_knowledge_graph_links_match_the_whole_shops_graph(
    reviewed: tuple[Workspace, str],
) -> None:
    """The report reads one shopper's graph at a time (a 10M-event shop built its whole
    graph); the link beside each recommendation is the one the whole graph gives."""
    ws, run_id = reviewed
    engine = RunRecommender.from_run(load_run(ws, run_id))
    info = ws.get_dataset(engine.loaded.info.dataset)
    whole = build_graph(ws.read_events(info.name), ws.read_items(info.name))
    shop = cached_aggregates(info.events_path, info.items_path)
    linked = 0
    for user in ("u01", "u04", "u08", "u12"):
        history = engine.user_history(user) or ()
        listed = engine.recommend(history, k=RECOMMENDED, user=user)
        local = shopper_graph(
            shop,
            read_shopper_events(info.events_path, user),
            also=[i.item_id for i in listed.items],
        )
        assert graph_connections(local, listed) == graph_connections(whole, listed)
        linked += sum(link is not None for link in graph_connections(local, listed))
    assert linked  # the comparison saw real links, not only empty ones
