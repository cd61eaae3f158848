"""A dataset's version without its bot-like users: counts by hand, the original untouched.

The log: two bots (1,201 and 1,100 events), 29 ordinary users with one event each and one
row without a user (rejected at ingest) — 2,331 rows read, 2,330 accepted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seqrec_core import Workspace, ingest
from seqrec_core.errors import InputError, WorkspaceError
from seqrec_core.ingest import user_exclusion


def _log(path: Path) -> Path:
    rows = [f"bot1,i{i % 40},2024-01-01T00:00:00Z,view,{i}" for i in range(1201)]
    rows += [f"bot2,i{i % 7},2024-01-01T01:00:00Z,cart,{i}" for i in range(1100)]
    rows += [f"u{u:02d},i{u},2024-01-02T00:00:00Z,purchase,0" for u in range(29)]
    rows += [",i1,2024-01-02T00:00:00Z,view,0"]
    path.write_text("user_id,item_id,timestamp,event_type,n\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def shop(ws: Workspace, tmp_path: Path) -> Workspace:
    catalog = tmp_path / "items.csv"
    catalog.write_text("item_id,title\ni1,Mug\ni2,Tent\n")
    ingest(_log(tmp_path / "bots.csv"), ws, "shop", items_path=catalog)
    return ws


def test_bot_like_users_follow_the_report_rule(shop: Workspace) -> None:
    frame = user_exclusion.bot_like_users(shop.get_dataset("shop").events_path)
    assert list(frame["user_id"]) == ["bot1", "bot2"]
    assert list(frame["events"]) == [1201, 1100]
    assert frame["share"].tolist() == pytest.approx([1201 / 2330, 1100 / 2330])
    flagged = next(w for w in shop.get_dataset("shop").report.warnings if w.code == "heavy_user")
    assert flagged.count == len(frame)


def test_the_no_bots_version_leaves_out_their_events_and_keeps_the_original(
    shop: Workspace,
) -> None:
    result = user_exclusion.exclude_bot_like_users(shop, "shop")
    assert (result.dataset.name, result.users, result.events, result.reused) == (
        "shop-no-bots",
        2,
        2301,
        False,
    )
    events = shop.read_events("shop-no-bots")
    assert len(events) == 29 and not events["user_id"].str.startswith("bot").any()
    assert events["user_id"].is_monotonic_increasing
    assert len(shop.read_events("shop")) == 2330  # the original is unchanged
    pd.testing.assert_frame_equal(shop.read_items("shop-no-bots"), shop.read_items("shop"))

    report = result.dataset.report
    assert report.rows_read == 2331
    assert (report.rows_accepted, report.rows_rejected) == (29, 2302)
    assert report.rejected_by_reason == {"missing_user_id": 1, "excluded_user": 2301}
    assert (report.users, report.items) == (29, 29)
    assert report.events_by_type == {"purchase": 29}
    assert [w.code for w in report.warnings].count("heavy_user") == 0
    assert "leaves out 2 bot-like users and their 2,301 events" in report.warnings[0].message
    assert [i.line for i in report.examples["excluded_user"]] == [2, 3, 4, 5, 6]

    rejected = shop.read_rejected("shop-no-bots")
    assert rejected["reason"].value_counts().to_dict() == {
        "excluded_user": 2301,
        "missing_user_id": 1,
    }
    assert rejected["line"].is_monotonic_increasing
    assert shop.get_dataset("shop-no-bots").rows_accepted == 29


def test_excluding_again_reuses_the_published_version(shop: Workspace) -> None:
    first = user_exclusion.exclude_bot_like_users(shop, "shop")
    again = user_exclusion.exclude_bot_like_users(shop, "shop")
    assert again.reused and again.events == 2301
    assert again.dataset.folder == first.dataset.folder


def test_a_name_taken_by_another_dataset_is_refused(shop: Workspace, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("user_id,item_id,timestamp\nu1,i1,2024-01-01\n")
    ingest(other, shop, "shop-no-bots")
    with pytest.raises(WorkspaceError, match="shop-no-bots"):
        user_exclusion.exclude_bot_like_users(shop, "shop")
    assert len(shop.read_events("shop-no-bots")) == 1
    leftovers = [p for p in (shop.root / "datasets").iterdir() if p.name.startswith(".staging")]
    assert leftovers == []


def test_a_dataset_without_bots_or_with_only_excluded_users_is_an_input_error(
    shop: Workspace, tmp_path: Path
) -> None:
    calm = tmp_path / "calm.csv"
    calm.write_text("user_id,item_id,timestamp\nu1,i1,2024-01-01\nu2,i1,2024-01-02\n")
    ingest(calm, shop, "calm")
    with pytest.raises(InputError, match="no bot-like users"):
        user_exclusion.exclude_bot_like_users(shop, "calm")
    with pytest.raises(InputError, match="without events"):
        user_exclusion.exclude_users(shop, "calm", ["u1", "u2"], new_name="calm-empty")
    assert shop.find_dataset("calm-empty") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("shop", "shop-no-bots"), ("x" * 64, "x" * 56 + "-no-bots")],
)
def test_no_bots_name_stays_a_valid_name(name: str, expected: str) -> None:
    assert user_exclusion.no_bots_name(name) == expected


def test_bot_like_users_of_a_dataset_without_bots_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pd.DataFrame({"user_id": ["a", "b"], "item_id": ["i", "j"]}).to_parquet(path)
    frame = user_exclusion.bot_like_users(path)
    assert frame.empty and list(frame.columns) == ["user_id", "events", "share"]
