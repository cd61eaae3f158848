"""The Data page's Item text section through AppTest, and the embeddings uploads behind it.

One workspace per module holds the sample shop (for the sentence on a real catalog), a
9-item shop with a catalog (reading it with the real language model stays quick), a log
without a catalog and one whose catalog has no text.
"""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from seqrec_core.errors import InputError
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.ingest.sample import ensure_sample
from seqrec_core.store import Workspace
from seqrec_core.text import embedding_uploads
from seqrec_core.text.item_vectors import saved_template
from seqrec_core.ui.item_text_views import READ_BUTTON, TEMPLATE_KEY
from tests.support.helpers import markdown_text, open_page

PAGE = "pages/data.py"

# 9 items in 13 events; i1/i2 are near-identical tents, the language model must see that.
EVENTS = "user_id,item_id,timestamp\n" + "".join(
    f"u{n % 4},i{n % 9 + 1},2026-01-0{n // 9 + 1}T10:{n:02d}:00Z\n" for n in range(13)
)
CATALOG = """item_id,title,category,brand,price
i1,Trail Tent 2P,Outdoor > Camping > Tents,Nordpeak,199
i2,Trail Tent 3P,Outdoor > Camping > Tents,Nordpeak,249
i3,Down Sleeping Bag,Outdoor > Camping > Sleeping,Nordpeak,89
i4,Espresso Cup,Home & Kitchen > Cups,Bellaria,12
i5,Chef Knife 20 cm,Home & Kitchen > Knives,Bellaria,79
i6,Wooden Puzzle 500 pieces,Toys > Puzzles,Kidsy,19
i7,Rain Jacket,Outdoor > Clothing,,120
i8,Bath Towel,Home & Kitchen > Bath,Softa,25
i9,,,,5
"""
PRICE_ONLY = "item_id,price\n" + "".join(f"i{n},{n}.5\n" for n in range(1, 10))

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = tmp_path_factory.mktemp("page-item-text")
    ws = Workspace.open(folder / "workspace")
    ensure_sample(ws)
    (folder / "events.csv").write_text(EVENTS)
    (folder / "items.csv").write_text(CATALOG)
    (folder / "prices.csv").write_text(PRICE_ONLY)
    ingest(folder / "events.csv", ws, "tiny-text", items_path=folder / "items.csv")
    ingest(folder / "events.csv", ws, "no-catalog")
    ingest(folder / "events.csv", ws, "price-only", items_path=folder / "prices.csv")
    return ws


@pytest.fixture
def page(shop: Workspace, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEQREC_WORKSPACE", str(shop.root))

    def open_dataset(dataset: str) -> AppTest:
        at = open_page(PAGE, {"dataset": dataset})
        assert at.session_state["dataset"] == dataset
        return at

    return open_dataset


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def _read(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == READ_BUTTON).click().run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    return at


def test_the_sample_shows_the_sentence_and_the_template(page) -> None:
    at = page("sample-shop")
    assert "Item text" in _texts(at.subheader)
    assert (
        "**1,194 of 1,194 products have a text the language model can read: title, "
        "category and brand.**"
    ) in markdown_text(at)
    template = at.text_area(key=TEMPLATE_KEY.format("sample-shop"))
    assert template.value == "{title}\nCategory: {category}\nBrand: {brand}"
    assert "{column}" not in template.help and "`{title}`" in template.help
    assert "`brand`" in template.help  # the columns that exist are named
    preview = next(d.value for d in at.dataframe if "text the language model reads" in d.value)
    assert preview["text the language model reads"].str.contains("Category: ").all()
    assert any(b.label == READ_BUTTON for b in at.button)


def test_reading_the_catalog_shows_counts_the_map_and_similar_products(page) -> None:
    at = page("tiny-text")
    assert "**8 of 9 products have a text" in markdown_text(at)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Products with text"], metrics["Empty texts"]) == ("8", "1")
    at = _read(at)
    (bar,) = at.get("progress")
    assert bar.proto.text == "Reading product texts: 9 / 9"  # the empty text counts as done
    message = _texts(at.success)
    assert "with all-MiniLM-L6-v2" in message or "came from the cache" in message
    (chart,) = [c for c in at.get("plotly_chart") if "language model reads it" in c.proto.spec]
    assert "Trail Tent 2P" in chart.proto.spec and "Outdoor" in chart.proto.spec
    picker = at.selectbox(key="item_text_similar_tiny-text")
    assert "i9" not in picker.options  # no text, nothing to compare
    picker.set_value("i1").run()
    similar = next(d.value for d in at.dataframe if "how alike" in d.value)
    assert similar["item_id"].iloc[0] == "i2"  # the other Trail Tent
    assert "i1" not in similar["item_id"].tolist()
    assert similar["how alike"].is_monotonic_decreasing

    # The second read finds every vector in the workspace's cache.
    at = _read(at)
    assert "came from the cache: all 8 products" in _texts(at.success)


def test_the_template_the_catalog_was_read_with_is_the_one_training_reads(
    page, shop: Workspace
) -> None:
    at = page("tiny-text")
    at.text_area(key=TEMPLATE_KEY.format("tiny-text")).set_value("{title}").run()
    assert "read the catalog with this one" in _texts(at.caption)
    assert saved_template(shop, "tiny-text") != "{title}"
    at = _read(at)
    assert saved_template(shop, "tiny-text") == "{title}"
    again = page("tiny-text")  # a new session starts from the saved template
    assert again.text_area(key=TEMPLATE_KEY.format("tiny-text")).value == "{title}"


@pytest.mark.parametrize(
    ("template", "said"),
    [("{title}\nColour: {colour}", "colour"), ("{title", "write columns as {title}")],
)
def test_a_bad_template_shows_a_message_not_a_traceback(page, template: str, said: str) -> None:
    at = page("tiny-text")
    at.text_area(key=TEMPLATE_KEY.format("tiny-text")).set_value(template).run()
    assert not at.exception, at.exception
    assert said in _texts(at.error).replace("\\", "")
    assert "has a problem" in markdown_text(at)
    next(b for b in at.button if b.label == "Back to the suggested template").click().run()
    assert not at.error
    assert "**8 of 9 products have a text" in markdown_text(at)


@pytest.mark.parametrize(
    ("dataset", "why"),
    [("no-catalog", "no product catalog"), ("price-only", "no product titles")],
)
def test_a_catalog_without_text_says_item_text_is_off(page, dataset: str, why: str) -> None:
    at = page(dataset)
    info = _texts(at.info)
    assert "Item text is off for this dataset" in info and why in info
    assert "item ids" in info and "title" in info  # what models use, and what to add
    assert not any(b.label == READ_BUTTON for b in at.button)


GOOD_VECTORS = b'item_id,vector\ni1,"[0.1, 0.2, 0.3]"\ni2,"[0.3, 0.2, 0.1]"\nx9,"[1, 1, 1]"\n'
BAD_VECTORS = b'item_id,vector\ni1,"[0.1, 0.2]"\ni2,"[0.3, oops]"\n'


def test_an_embeddings_upload_is_saved_and_reported(page, shop: Workspace) -> None:
    at = page("tiny-text")
    at.file_uploader(key="embeddings_upload").set_value(
        ("../my vectors.csv", GOOD_VECTORS, "text/csv")
    ).run()
    assert not at.exception, at.exception
    assert "2 of this dataset's 9 products have a vector (3 numbers each)" in _texts(at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Products matched"] == "2"
    assert metrics["Ids not in this dataset"] == "1"
    assert metrics["Products without a vector"] == "7"
    assert "x9" in _texts(at.caption)
    stored = shop.root / "embeddings" / f"{hashlib.sha256(GOOD_VECTORS).hexdigest()}.csv"
    assert stored.read_bytes() == GOOD_VECTORS
    (upload,) = [u for u in embedding_uploads.list_uploads(shop) if u.path == stored]
    assert upload.name == "my vectors.csv" and (upload.items, upload.dim) == (3, 3)


def test_a_bad_embeddings_file_names_line_and_column_and_is_not_kept(page, shop: Workspace) -> None:
    at = page("tiny-text")
    at.file_uploader(key="embeddings_upload").set_value(("bad.csv", BAD_VECTORS, "text/csv")).run()
    assert not at.exception, at.exception
    error = _texts(at.error)
    assert "bad.csv, line 3, column 'vector'" in error and "oops" in error
    assert not any(
        p.name.startswith(hashlib.sha256(BAD_VECTORS).hexdigest())
        for p in (shop.root / "embeddings").iterdir()
    )


# -- the uploads behind the section ------------------------------------------------------


def test_uploads_are_stored_by_content_under_a_generated_name(ws: Workspace) -> None:
    first = embedding_uploads.save_upload(ws, GOOD_VECTORS, "../../etc/secret.CSV")
    again = embedding_uploads.save_upload(ws, GOOD_VECTORS, "other name.csv")
    assert (
        first
        == again
        == ws.root / "embeddings" / (hashlib.sha256(GOOD_VECTORS).hexdigest() + ".csv")
    )
    assert "secret" not in first.name
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary left
    parquet = embedding_uploads.save_upload(ws, b"PAR1", "v.parquet")
    assert parquet.suffix == ".parquet"


@pytest.mark.parametrize("name", ["vectors.npy", "vectors.pkl", "vectors", "a.csv.exe"])
def test_only_parquet_and_csv_names_are_accepted(ws: Workspace, name: str) -> None:
    with pytest.raises(InputError) as caught:
        embedding_uploads.save_upload(ws, GOOD_VECTORS, name)
    assert caught.value.hint
    assert not (ws.root / "embeddings").exists() or not any((ws.root / "embeddings").iterdir())


def test_accepted_uploads_are_listed_and_found_by_path(ws: Workspace) -> None:
    report = embedding_uploads.add_upload(ws, GOOD_VECTORS, "C:\\shop\\v.csv", ["i1", "i3"])
    assert report.upload.name == "v.csv"
    assert (report.coverage.known, report.coverage.unknown, report.coverage.missing) == (1, 2, 1)
    assert embedding_uploads.list_uploads(ws) == [report.upload]
    assert embedding_uploads.find_upload(ws, str(report.upload.path)) == report.upload
    assert embedding_uploads.find_upload(ws, "/elsewhere/nothing.csv") is None
    with pytest.raises(InputError):
        embedding_uploads.add_upload(ws, BAD_VECTORS, "bad.csv", ["i1"])
    assert embedding_uploads.list_uploads(ws) == [report.upload]
    again = embedding_uploads.report_upload(report.upload, ["i1", "i2"])
    assert again.coverage.missing == 0
