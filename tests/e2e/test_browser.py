"""The browser journey on the real app (Streamlit server + Debian's chromium): sample →
upload → train → recommend with a what-if edit → explain → profile → back to recommend →
search → a lookalike audience on the Shoppers page → the best run by default, the reasons
on the first screen at 1,280×800, and a deep link with filters.

First start on an empty workspace opens on the bundled sample shop; then an analyst uploads
a small Retailrocket-shaped log (numeric ids, 48 minutes) with bad rows, keeps the
auto-detected mapping, ingests it and reads the validation report and the charts' axes; the
later tests go on in the same server, in order (a baseline is trained, recommended from and
explained; a neural run is trained last). Labels are the pages'. Waits are Playwright's
auto-waiting `expect`s, generous because a cold Streamlit + torch start on 2 cores takes
tens of seconds; nothing is timed."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

FIRST_RENDER_MS = 240_000  # first start: imports plus ingesting the bundled sample
INGEST_MS = 120_000

# A Retailrocket events.csv in miniature: 9 good rows and 3 bad ones (lines 11-13).
RETAILROCKET_LOG = """\
timestamp,visitorid,event,itemid,transactionid
1433221332117,257597,view,355908,
1433221955914,111016,view,318965,
1433222276276,111016,addtocart,318965,
1433222531378,111016,transaction,318965,4000
1433222147345,483717,view,253185,
1433223236124,483717,view,367447,
1433223314243,951259,view,22556,
1433223560437,951259,addtocart,22556,
1433224214164,951259,view,464806,
1433224214164,,view,464806,
1433224400000,257597,view,,
1433223236124,483717,view,367447,
"""
AUTO_MAPPING = {"visitorid": "user_id", "itemid": "item_id", "timestamp": "timestamp"}
EXPECTED = {"Rows read": "12", "Rows accepted": "9", "Rows rejected": "3", "Users": "4"}
EXPECTED_REASONS = ("missing_user_id", "missing_item_id", "exact_duplicate")


def metric(page: Page, label: str):
    """The value of the `st.metric` labelled `label` in the main area."""
    box = page.get_by_test_id("stMain").get_by_test_id("stMetric").filter(has_text=label)
    return box.first.get_by_test_id("stMetricValue")


# Each drawn plotly chart's title (tags stripped) → its x and y axis types.
_CHART_AXES_JS = """() => Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')]
  .filter((p) => p._fullLayout && p._fullLayout.title)
  .map((p) => [p._fullLayout.title.text.replace(/<[^>]*>/g, ''),
               {x: p._fullLayout.xaxis.type, y: p._fullLayout.yaxis.type}]))"""


def chart_axes(page: Page, wanted: str) -> dict[str, dict[str, str]]:
    """The axis types of every chart drawn on the page, once the chart `wanted` is drawn."""
    page.wait_for_function(f"() => ({_CHART_AXES_JS})()[{wanted!r}] !== undefined")
    return page.evaluate(_CHART_AXES_JS)


def test_sample_then_upload_and_validate(page: Page, app_url: str, tmp_path: Path) -> None:
    page.goto(app_url)

    # First start: the sample shop is ingested and its validation report shown.
    expect(page.get_by_role("heading", name="Dataset: sample-shop")).to_be_visible(
        timeout=FIRST_RENDER_MS
    )
    expect(page.get_by_role("heading", name="Validation report")).to_be_visible()
    expect(metric(page, "Rows accepted")).to_have_text(re.compile(r"^[1-9][\d,]*$"))

    # Upload a log of our own through the file uploader.
    log = tmp_path / "retailrocket_events.csv"
    log.write_text(RETAILROCKET_LOG)
    page.get_by_role("radio", name="Upload a file").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Behaviour log")
    uploader.locator("input[type=file]").set_input_files(str(log))

    # The mapping form shows the auto-detected fields; keep them, name the dataset, ingest.
    form = page.get_by_test_id("stForm")
    expect(form.get_by_text("Column mapping")).to_be_visible(timeout=INGEST_MS)
    for column, field in AUTO_MAPPING.items():
        expect(form.get_by_role("combobox", name=column)).to_have_value(field)
    name = form.get_by_role("textbox", name="Dataset name")
    name.fill("e2e-shop")
    form.get_by_role("button", name="Ingest").click()

    # The report of the new dataset: counts and one reason per bad row.
    expect(page.get_by_role("heading", name="Dataset: e2e-shop")).to_be_visible(timeout=INGEST_MS)
    for label, value in EXPECTED.items():
        expect(metric(page, label)).to_have_text(value)
    expect(page.get_by_role("heading", name="Rejected rows by reason")).to_be_visible()
    for reason in EXPECTED_REASONS:
        expect(page.get_by_text(f"Examples: {reason}")).to_be_visible()
    expect(page.get_by_role("button", name="Download rejected rows (CSV)")).to_be_visible()

    # Numeric ids and a 48-minute log: ids drawn as categories, minute bins, span in minutes.
    expect(metric(page, "Time span")).to_have_text("48 minutes")
    axes = chart_axes(page, "Most popular items")
    assert axes["Most popular items"] == {"x": "linear", "y": "category"}
    assert "Events per minute, by event type" in axes
    assert not [title for title in axes if "per day" in title]


TRAIN_MS = 180_000  # a worker process starts (imports torch) and fits the baseline


def test_train_a_baseline_and_see_it_in_the_run_history(page: Page, app_url: str) -> None:
    """Train page by deep link: start COOC, watch the worker finish, read its test metrics."""
    page.goto(f"{app_url}/train?dataset=sample-shop")
    expect(page.get_by_role("heading", name="Train")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(page.get_by_text(re.compile(r"Device:\s*CPU"))).to_be_visible()
    page.get_by_text("cooc", exact=True).click()
    # The model choice reruns the page and redraws the form: wait for COOC's own setting,
    # so the click below lands on the redrawn form, not on one that is being replaced.
    expect(page.get_by_text("Recent events that vote")).to_be_visible(timeout=FIRST_RENDER_MS)
    start = page.get_by_role("button", name="Start training on sample-shop")
    expect(start).to_have_count(1)  # no copy of the form from before the rerun
    start.click()
    # The live panel refreshes itself; once the worker is done the history shows the run.
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible(timeout=TRAIN_MS)
    expect(page.get_by_text("No training running for this dataset")).to_be_visible(timeout=TRAIN_MS)
    expect(page.get_by_role("heading", name="Runs of this dataset")).to_be_visible()
    expect(metric(page, "Status")).to_have_text("succeeded", timeout=TRAIN_MS)
    expect(metric(page, "Test NDCG@10")).to_have_text(
        re.compile(r"^0\.\d{1,4}$")
    )  # 3 significant digits
    expect(page).to_have_url(re.compile(r"run=cooc-"))


def test_recommend_and_edit_the_history_in_the_browser(page: Page, app_url: str) -> None:
    """Recommend page on the run trained above: remove the newest event, the list changes."""
    page.goto(f"{app_url}/recommend?dataset=sample-shop")
    expect(page.get_by_role("heading", name="Recommend")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(page.get_by_text(re.compile(r"^U\d+ would be shown .+ first"))).to_be_visible(
        timeout=TRAIN_MS
    )
    expect(page.get_by_text("Edit the history on the left")).to_be_visible()
    page.get_by_role("button", name="✕").click()
    expect(page.get_by_text(re.compile(r"^After the edit\. The edit "))).to_be_visible(
        timeout=INGEST_MS
    )
    expect(page.get_by_role("heading", name="What changed")).to_have_count(
        0
    )  # a chart title, not a heading
    expect(page.get_by_text("Download this list (CSV)")).to_have_count(2)  # before and after
    expect(page).to_have_url(re.compile(r"user=U\d+"))
    page.get_by_role("button", name="Reset to the real history").click()
    expect(page.get_by_text("Edit the history on the left")).to_be_visible(timeout=INGEST_MS)


def test_explain_then_profile_then_link_to_recommend(page: Page, app_url: str) -> None:
    """Explain the trained run's first recommendation, open the shopper's profile, and
    follow its link to the Recommend page for the same shopper."""
    page.goto(f"{app_url}/explain?dataset=sample-shop&user=U00017")
    expect(page.get_by_role("heading", name="Explain")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(page.get_by_role("heading", name=re.compile(r"^Shopper U00017 → "))).to_be_visible(
        timeout=TRAIN_MS
    )
    expect(page.get_by_role("heading", name="Which past events drove the score")).to_be_visible()
    expect(
        page.get_by_text("Smallest change that changes the first recommendation")
    ).to_be_visible()

    page.goto(f"{app_url}/profile?dataset=sample-shop&user=U00017")
    expect(page.get_by_role("heading", name="Shopper U00017")).to_be_visible(timeout=TRAIN_MS)
    page.get_by_role("link", name="What this shopper would be shown").click()
    expect(page.get_by_role("heading", name="Recommend")).to_be_visible(timeout=TRAIN_MS)
    expect(page).to_have_url(re.compile(r"/recommend\?.*user=U00017"))
    shopper = page.get_by_role("combobox", name="Shopper", exact=True)
    expect(shopper).to_have_value(re.compile(r"^U00017 · "))


def test_search_for_a_shopper_in_the_browser(page: Page, app_url: str) -> None:
    """Search page by deep link: what everyone sees and what this shopper sees."""
    page.goto(f"{app_url}/search?dataset=sample-shop&user=U00017&q=Pillows")
    expect(page.get_by_role("heading", name="Search")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(page.get_by_role("heading", name="What everyone sees")).to_be_visible(timeout=TRAIN_MS)
    expect(page.get_by_role("heading", name="What U00017 sees")).to_be_visible()
    expect(page.get_by_text(re.compile(r"For “Pillows”, U00017 sees \d+ of the"))).to_be_visible()
    expect(page.get_by_text("Download this shopper's results (CSV)")).to_be_visible()


def test_build_a_lookalike_audience_in_the_browser(page: Page, app_url: str) -> None:
    """Train a one-epoch GRU4Rec, then build a lookalike audience from pasted ids on the
    Shoppers page (last: the neural run becomes the dataset's best)."""
    page.goto(f"{app_url}/train?dataset=sample-shop")
    expect(page.get_by_role("heading", name="Train")).to_be_visible(timeout=FIRST_RENDER_MS)
    # With a run in the history the training form sits in a closed expander.
    page.get_by_text("New training run").click()
    page.get_by_text("GRU4REC", exact=True).click()
    epochs = page.get_by_label("Max epochs")
    expect(epochs).to_be_visible(timeout=FIRST_RENDER_MS)
    epochs.fill("1")
    epochs.press("Enter")
    start = page.get_by_role("button", name="Start training on sample-shop")
    expect(start).to_have_count(1)
    start.click()
    expect(page.get_by_text("No training running for this dataset")).to_be_visible(timeout=TRAIN_MS)
    expect(page).to_have_url(re.compile(r"run=gru4rec-"), timeout=TRAIN_MS)
    expect(metric(page, "Status")).to_have_text("succeeded", timeout=TRAIN_MS)

    # "No training running" can show while the run is still queued, and "Status" can be
    # the best finished run's: reopen Shoppers until the GRU4Rec run has finished.
    sentence = page.get_by_text(re.compile(r"The model sees 2,100 shoppers in \d+ groups"))
    deadline = time.monotonic() + TRAIN_MS / 1000
    while True:
        page.goto(f"{app_url}/shoppers?dataset=sample-shop")
        expect(page.get_by_role("heading", name="Shoppers")).to_be_visible(timeout=FIRST_RENDER_MS)
        untrained = page.get_by_text("No trained model of SASRec, BERT4Rec, GRU4Rec")
        expect(sentence.or_(untrained)).to_be_visible(timeout=TRAIN_MS)
        if sentence.is_visible() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(2_000)
    expect(sentence).to_be_visible()
    seeds = page.get_by_label("Shopper ids (separated by commas, spaces or new lines)")
    seeds.fill("U00017, U00018\nU00019, not-a-shopper")
    seeds.press("Control+Enter")
    expect(page.get_by_text("Found 200 shoppers most like your seeds")).to_be_visible(
        timeout=TRAIN_MS
    )
    expect(
        page.get_by_text("3 seed shoppers used; 1 id(s) not in this run left out")
    ).to_be_visible()
    expect(page.get_by_text("Audience (CSV)")).to_be_visible()


def test_recommend_opens_on_the_best_run_with_the_reasons_in_sight(browser, app_url: str) -> None:
    """At 1,280×800, with two runs trained: the best one is shown, and what the shopper is
    shown and why reads on the first screen, above the list."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{app_url}/recommend?dataset=sample-shop&user=U00017")
        model = page.get_by_role("combobox", name="Model (training run)")
        expect(model).to_have_value(re.compile(r" · best$"), timeout=TRAIN_MS)
        sentence = page.get_by_text(re.compile(r"^U00017 would be shown .+ first, because "))
        expect(sentence).to_be_in_viewport(ratio=1, timeout=TRAIN_MS)
        expect(page.get_by_test_id("stDataFrame").first).to_be_in_viewport()
    finally:
        context.close()


def test_a_deep_link_with_filters_reopens_them(page: Page, app_url: str) -> None:
    """A shared Recommend link with a list length and a history rule keeps both."""
    page.goto(f"{app_url}/recommend?dataset=sample-shop&user=U00017&k=5&hide=bought")
    expect(page.get_by_role("heading", name="Recommend")).to_be_visible(timeout=FIRST_RENDER_MS)
    # The filters come after the run is loaded: the first visit to this run's page waits.
    items = page.get_by_role("spinbutton", name="Items to show")
    expect(items).to_have_value("5", timeout=TRAIN_MS)
    expect(page.get_by_role("switch", name="Hide items already seen")).not_to_be_checked()
    expect(page.get_by_role("switch", name="Hide items already bought")).to_be_checked()
    expect(
        page.get_by_text(re.compile(r"^U00017 would be shown .*(of the 5|all 5) are in"))
    ).to_be_visible(timeout=TRAIN_MS)
    expect(page).to_have_url(re.compile(r"k=5"))
    expect(page).to_have_url(re.compile(r"hide=bought"))
