"""The review report: valid self-contained HTML with the model card, shoppers and audit."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from seqrec_core.cli.main import main
from seqrec_core.errors import InputError
from seqrec_core.report.review_report import build_report, list_reports
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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in {"meta", "br", "img", "input", "link"}:
            self.open.append(tag)
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.resources.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
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
    assert text.count("Plotly.newPlot") >= 8  # curve + per shopper figures + audit
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
