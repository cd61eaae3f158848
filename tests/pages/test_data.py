"""The Data page through Streamlit's AppTest (opened from app.py, as users do).

The sample shop is ingested once per module into a shared workspace; tests that add
datasets use their own names. Also the upload helpers behind the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from seqrec_core import SeqRecError, Workspace, ingest
from seqrec_core.errors import InputError
from seqrec_core.ingest.sample import ensure_sample
from seqrec_core.ui import feedback, uploads

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT = 120  # seconds; a cold start imports pandas, duckdb, plotly and ingests the sample

# 9 data rows: line 4 has no user, line 7 an unreadable timestamp -> 7 accepted, 2 rejected.
TINY_CSV = b"""user_id,item_id,timestamp,event_type
u1,i1,2024-05-01T10:00:00Z,view
,i2,2024-05-01T10:01:00Z,view
u1,i2,2024-05-01T10:02:00Z,cart
u2,i1,2024-05-02T09:00:00Z,view
u2,i3,yesterday,view
u2,i3,2024-05-02T09:05:00Z,purchase
u3,i2,2024-05-03T12:00:00Z,view
u3,i1,2024-05-03T12:01:00Z,view
u3,i3,2024-05-03T12:02:00Z,view
"""


pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("page-data") / "workspace"
    ensure_sample(Workspace.open(root))
    return root


@pytest.fixture
def app(
    sample_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[AppTest]:
    monkeypatch.setenv("SEQREC_WORKSPACE", str(sample_workspace))
    monkeypatch.setattr(uploads, "UPLOAD_DIR", tmp_path / "uploads")
    yield AppTest.from_file(str(APP), default_timeout=TIMEOUT)


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.run()
    at.segmented_control(key="data_source").set_value("Upload a file").run()
    at.file_uploader(key="events_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def _submit(at: AppTest, dataset_name: str | None = None) -> AppTest:
    if dataset_name is not None:
        next(t for t in at.text_input if t.label == "Dataset name").set_value(dataset_name)
    next(b for b in at.button if b.label == "Ingest").click().run()
    assert not at.exception, at.exception
    return at


def test_first_start_ingests_the_sample_and_shows_report_and_charts(
    workspace: Path,
) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    assert at.session_state["dataset"] == "sample-shop"
    assert at.query_params["dataset"] == "sample-shop"
    assert "Dataset: sample-shop" in _texts(at.header)
    labels = {m.label for m in at.metric}
    assert {"Rows read", "Rows accepted", "Rows rejected", "Events", "Users"} <= labels
    assert len(at.get("plotly_chart")) >= 9
    assert str(workspace.resolve()) in _texts(at.sidebar.caption)


def test_upload_shows_detection_and_mapping_then_ingests_with_report(app: AppTest) -> None:
    at = _upload(app, "tiny shop.csv", TINY_CSV)
    saved = Path(at.session_state["_upload_events_upload"]["path"])
    assert saved.parent == uploads.UPLOAD_DIR and saved.suffix == ".csv"
    assert "tiny" not in saved.name  # a random name, never the user's
    assert "Format:" in _texts(at.markdown)
    mapping = {s.label.replace("\\", ""): s.value for s in at.selectbox if s.key.startswith("map_")}
    assert mapping == {
        "user_id": "user_id",
        "item_id": "item_id",
        "timestamp": "timestamp",
        "event_type": "event_type",
    }
    assert next(t for t in at.text_input if t.label == "Dataset name").value == "tiny-shop"
    _submit(at)
    assert not at.error, _texts(at.error)
    assert at.session_state["dataset"] == "tiny-shop"
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Rows accepted"], metrics["Rows rejected"]) == (
        "9",
        "7",
        "2",
    )
    reasons = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert dict(zip(reasons["reason"], reasons["rows"], strict=True)) == {
        "missing_user_id": 1,
        "unparseable_timestamp": 1,
    }
    assert len(at.get("download_button")) == 1
    assert "no item catalog" in _texts(at.info)
    assert len(at.get("plotly_chart")) >= 9

    # The same bytes again, same name and options: the existing dataset is reused.
    _submit(at)
    assert "already ingested" in _texts(at.info)
    assert at.session_state["dataset"] == "tiny-shop"


TINY_CATALOG = b"""item_id,title,category,brand,price
i1,Trail Tent 2P,Outdoor > Camping > Tents,Nordpeak,199
i2,Down Sleeping Bag,Outdoor > Camping > Sleeping,Nordpeak,89
i3,Espresso Cup,Home > Kitchen > Cups,Bellaria,12
"""


def test_a_catalog_uploaded_with_the_log_names_the_items_in_the_charts(app: AppTest) -> None:
    at = _upload(app, "with catalog.csv", TINY_CSV)
    at.file_uploader(key="catalog_upload").set_value(("items.csv", TINY_CATALOG, "text/csv"))
    _submit(at, "with-catalog")
    assert not at.error, _texts(at.error)
    info = Workspace.open(Path(at.session_state["workspace"])).get_dataset("with-catalog")
    assert info.items_path is not None
    assert "no item catalog" not in _texts(at.info)
    specs = "\n".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert "Trail Tent 2P" in specs and "Nordpeak" in specs and "Outdoor" in specs


def test_a_changed_mapping_is_passed_to_ingest(app: AppTest) -> None:
    at = _upload(app, "remapped.csv", TINY_CSV)
    event_box = next(s for s in at.selectbox if s.label.replace("\\", "") == "event_type")
    event_box.set_value("(keep as extra column)")
    _submit(at, "remapped")
    assert not at.error, _texts(at.error)
    info = Workspace.open(Path(at.session_state["workspace"])).get_dataset("remapped")
    assert "event_type" not in info.report.column_mapping.values()


def test_an_invalid_dataset_name_is_an_error_not_a_traceback(app: AppTest) -> None:
    at = _submit(_upload(app, "tiny.csv", TINY_CSV), "bad name!")
    assert "invalid dataset name" in _texts(at.error)
    assert at.session_state["dataset"] != "bad name!"


def test_a_file_without_a_user_column_is_an_error_not_a_traceback(app: AppTest) -> None:
    at = _submit(_upload(app, "odd.csv", b"colour,size\nred,3\nblue,4\n"), "odd")
    assert at.error, "expected an error box"
    assert Workspace.open(Path(at.session_state["workspace"])).find_dataset("odd") is None


def test_dataset_in_the_url_is_selected(app: AppTest, sample_workspace: Path) -> None:
    source = sample_workspace.parent / "linked.csv"
    source.write_bytes(TINY_CSV)
    ingest(source, Workspace.open(sample_workspace), "linked")
    app.query_params["dataset"] = "linked"
    at = app.run()
    assert not at.exception, at.exception
    assert at.session_state["dataset"] == "linked"
    assert "Dataset: linked" in _texts(at.header)


def test_an_unknown_dataset_in_the_url_falls_back_to_a_known_one(app: AppTest) -> None:
    app.query_params["dataset"] = "no-such-dataset"
    at = app.run()
    assert not at.exception, at.exception
    assert at.session_state["dataset"] != "no-such-dataset"
    assert at.query_params["dataset"] == at.session_state["dataset"]


# -- the helpers behind the page ---------------------------------------------------------


@pytest.mark.parametrize(
    ("display", "suffix"),
    [
        ("events.CSV.gz", ".csv.gz"),
        ("shop log.parquet", ".parquet"),
        ("../../etc/passwd", ""),
        ("a.b c.csv", ".csv"),
        ("x.tar.gz", ".tar.gz"),
        ("evil.csv;rm -rf", ""),
        ("no-extension", ""),
    ],
)
def test_safe_suffix(display: str, suffix: str) -> None:
    assert uploads.safe_suffix(display) == suffix


def test_uploads_are_written_under_a_random_name(tmp_path: Path) -> None:
    first = uploads.write_upload(b"a,b\n", "../../secret name.csv", tmp_path)
    second = uploads.write_upload(b"a,b\n", "../../secret name.csv", tmp_path)
    assert first.parent == tmp_path and second.parent == tmp_path
    assert first != second
    assert first.suffix == ".csv" and "secret" not in first.name
    assert first.read_bytes() == b"a,b\n"
    assert sorted(tmp_path.iterdir()) == sorted([first, second])  # no partial files left


@pytest.mark.parametrize(
    ("display", "name"),
    [
        ("shop log (May).csv.gz", "shop-log-May"),
        ("tiny shop.csv", "tiny-shop"),
        ("...", "dataset"),
        ("événements.csv", "evenements"),
    ],
)
def test_default_dataset_name(display: str, name: str) -> None:
    assert uploads.default_dataset_name(display) == name


def test_error_text_says_where_and_what_to_do() -> None:
    text = feedback.error_text(
        InputError("bad time", file="a_b.csv", line=7, column="ts", hint="use ISO 8601")
    )
    assert "a\\_b.csv, line 7, column 'ts'" in text
    assert "What to do: use ISO 8601" in text
    assert feedback.error_text(SeqRecError("costs $5 and $6")) == "costs \\$5 and \\$6"


# -- the verdict, the next step, and the report's loose ends -----------------------------


def _bot_log(path: Path) -> Path:
    rows = [f"bot,i{i % 50},2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z" for i in range(1200)]
    rows += [f"u{u},i{u % 9},2024-01-02T0{u % 10}:00:00Z" for u in range(30)]
    path.write_text("user_id,item_id,timestamp\n" + "\n".join(rows) + "\n")
    return path


def test_the_page_opens_with_a_verdict_and_ends_with_the_next_step(app: AppTest) -> None:
    app.query_params["dataset"] = "sample-shop"
    at = app.run()
    assert not at.exception, at.exception
    verdict = next(m.value for m in at.markdown if "events from" in m.value)
    assert "shoppers on" in verdict and verdict.startswith("**")
    links = at.get("page_link")
    assert any("Train a model" in link.proto.label for link in links)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Time span"].endswith(("days", "months"))
    assert "," in metrics["Events"]  # thousands separators


def test_a_previewed_upload_does_not_show_the_previous_dataset_report(app: AppTest) -> None:
    at = _upload(app, "fresh.csv", TINY_CSV)
    assert "Dataset: sample-shop" not in _texts(at.header)
    assert "Ingest **fresh.csv** above" in _texts(at.info)
    assert not any(m.label == "Rows read" for m in at.metric)
    _submit(at, "fresh")
    assert "Dataset: fresh" in _texts(at.header)
    reasons = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert list(reasons["share"]) == ["11%", "11%"]  # 1 of 9 rows each


def test_bot_like_users_are_listed_and_excluded_with_one_click(
    app: AppTest, sample_workspace: Path
) -> None:
    ingest(_bot_log(sample_workspace.parent / "bots.csv"), Workspace.open(sample_workspace), "bots")
    app.query_params["dataset"] = "bots"
    at = app.run()
    assert not at.exception, at.exception
    assert "1 shopper looks like a bot" in _texts(at.markdown)
    flagged = next(df.value for df in at.dataframe if "shopper" in df.value.columns)
    assert flagged.to_dict("list") == {
        "shopper": ["bot"],
        "events": [1200],
        "share of all events": ["98%"],  # 1,200 of 1,230
    }
    at.button(key="exclude_bots").click().run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    assert at.session_state["dataset"] == "bots-no-bots"
    assert "Dataset: bots-no-bots" in _texts(at.header)
    assert "leaves out 1 bot-like user and its 1,200 events" in _texts(at.info)
    workspace = Workspace.open(sample_workspace)
    assert workspace.get_dataset("bots").rows_accepted == 1230  # the original is kept
    assert workspace.get_dataset("bots-no-bots").rows_accepted == 30

    # Back on the original, the button opens the version instead of writing it again.
    at.query_params["dataset"] = "bots"
    at.session_state["dataset"] = "bots"
    at.run()
    assert at.button(key="exclude_bots").label == "Open bots-no-bots"
