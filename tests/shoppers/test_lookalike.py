"""Lookalike audiences: planted groups are found, seeds left out, bad seed lists handled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqrec_core.errors import ConfigError, InputError
from seqrec_core.shoppers import lookalike
from seqrec_core.shoppers.lookalike import (
    METHODS,
    NEAREST_SEEDS,
    ids_from_bytes,
    ids_from_file,
    lookalike_audience,
    parse_ids,
    resolve_seeds,
)
from seqrec_core.shoppers.representations import ShopperVectors
from tests.shoppers.conftest import Planted
from tests.support.planted_shop import GROUPS, group_users, planted_vectors


@pytest.fixture(scope="module")
def hand() -> ShopperVectors:
    return planted_vectors()[0]


def _precision(vectors: ShopperVectors, group: int, method: str) -> tuple[float, set[str]]:
    """Seeds: the even-numbered half of a group; the audience is as large as the rest."""
    users = group_users()[group]
    seeds, rest = users[::2], set(users[1::2])
    audience = lookalike_audience(vectors, seeds, k=len(rest), method=method)
    found = set(audience.members["user_id"])
    assert not found & set(seeds)
    return len(found & rest) / len(rest), found


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("group", range(len(GROUPS)))
def test_half_a_planted_group_finds_the_other_half(
    hand: ShopperVectors, planted: Planted, group: int, method: str
) -> None:
    rest = GROUPS[group] // 2
    base_rate = rest / (sum(GROUPS) - (GROUPS[group] + 1) // 2)  # ≈ 0.2 by chance
    assert base_rate < 0.25
    assert _precision(hand, group, method)[0] >= 0.8
    # A real SASRec trained a few epochs on the planted shop represents the groups apart.
    assert _precision(planted.vectors, group, method)[0] >= 0.7


@pytest.mark.parametrize("method", METHODS)
def test_members_are_ranked_and_name_their_closest_seeds(hand: ShopperVectors, method: str) -> None:
    seeds = group_users()[1][:6]
    audience = lookalike_audience(hand, seeds, k=12, method=method)
    members = audience.members
    assert list(members.columns) == ["user_id", "score", "rank", "closest_seeds"]
    assert members["rank"].tolist() == list(range(1, 13))
    assert members["score"].is_monotonic_decreasing
    low = 0 if method == "classifier" else -1  # a probability, or a cosine
    assert members["score"].between(low, 1 + 1e-6).all()
    assert audience.method == method and audience.notes == ()
    for user, closest in zip(members["user_id"], members["closest_seeds"], strict=True):
        named = closest.split(", ")
        assert len(named) == 3 and set(named) <= set(seeds)
        if user.startswith("g1"):  # group 1's members are closest to group 1's seeds
            assert all(name.startswith("g1") for name in named)


def test_the_classifier_is_the_default_and_learns_the_one_trait_seeds_share() -> None:
    # 400 shoppers in 8 dims: dim 0 is the trait (the 40 seeds and 40 hidden lookalikes
    # have it), dim 1 a strong taste everybody shares, the rest noise. Cosine to the seeds
    # is swamped by what everybody shares; a classifier of seeds against the others finds
    # the trait.
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((400, 8)).astype(np.float32)
    vectors[:, 0] = 0.0
    vectors[:80, 0] = 1.0  # 40 seeds, then 40 lookalikes
    vectors[:, 1] += 4.0
    users = tuple(f"s{i:03d}" for i in range(400))
    shop = ShopperVectors("run-t", "sasrec", users, vectors, np.zeros((2, 8), np.float32))
    assert lookalike.DEFAULT_METHOD == "classifier"
    seeds, hidden = list(users[:40]), set(users[40:80])
    found = set(lookalike_audience(shop, seeds, k=40).members["user_id"])
    assert len(found & hidden) >= 36  # 40 found here
    for method in ("nearest", "centroid"):  # 16 and 18 found here
        other = set(lookalike_audience(shop, seeds, k=40, method=method).members["user_id"])
        assert len(other & hidden) <= 25


def test_nearest_scores_are_the_mean_of_the_closest_seeds(hand: ShopperVectors) -> None:
    seeds = group_users()[0][:13]
    audience = lookalike_audience(hand, seeds, k=5, method="nearest")
    unit = hand.unit.numpy()
    seed_rows = [hand.rows[s] for s in seeds]
    for user, score in zip(audience.members["user_id"], audience.members["score"], strict=True):
        sims = np.sort(unit[seed_rows] @ unit[hand.rows[user]])[::-1]
        assert score == pytest.approx(sims[:NEAREST_SEEDS].mean(), abs=1e-5)


def test_centroid_scores_are_the_cosine_to_the_mean_seed(hand: ShopperVectors) -> None:
    seeds = ["g2u00", "g0u03", "g2u05"]
    audience = lookalike_audience(hand, seeds, k=4, method="centroid")
    unit = hand.unit.numpy()
    centre = unit[[hand.rows[s] for s in seeds]].mean(axis=0)
    centre /= np.linalg.norm(centre)
    expected = sorted(
        ((float(unit[r] @ centre), u) for u, r in hand.rows.items() if u not in seeds),
        reverse=True,
    )[:4]
    assert audience.members["user_id"].tolist() == [u for _, u in expected]
    np.testing.assert_allclose(audience.members["score"], [s for s, _ in expected], atol=1e-5)


# -- seed lists as people give them ----------------------------------------------------------


def test_unknown_ids_are_reported_and_the_rest_used(hand: ShopperVectors) -> None:
    ids = ["nobody", "g0u01", "g0u02", "ghost", "nobody", "g0u01", "g0u01"]
    audience = lookalike_audience(hand, ids, k=3)
    seeds = audience.seeds
    assert seeds.known == ("g0u01", "g0u02") and seeds.unknown == ("nobody", "ghost")
    assert seeds.repeated == 3 and seeds.rows.tolist() == [hand.rows["g0u01"], hand.rows["g0u02"]]
    assert seeds.summary() == (
        "2 seed shoppers used; 2 id(s) not in this run left out (nobody, ghost); "
        "3 repeated id(s) counted once."
    )
    assert len(audience.members) == 3
    assert not {"g0u01", "g0u02"} & set(audience.members["user_id"])


def test_one_seed_is_enough(hand: ShopperVectors) -> None:
    audience = lookalike_audience(hand, ["g2u04"], k=5)
    assert audience.seeds.summary() == "1 seed shopper used."
    assert set(audience.members["closest_seeds"]) == {"g2u04"}
    assert all(user.startswith("g2") for user in audience.members["user_id"])


def test_every_shopper_a_seed_leaves_nobody_and_says_so(hand: ShopperVectors) -> None:
    audience = lookalike_audience(hand, list(hand.users), k=10)
    assert audience.members.empty
    assert list(audience.members.columns) == ["user_id", "score", "rank", "closest_seeds"]
    assert audience.notes == ("Every shopper of this run is a seed: nobody is left to find.",)


def test_an_audience_larger_than_the_non_seeds_is_cut_and_says_so(hand: ShopperVectors) -> None:
    audience = lookalike_audience(hand, list(hand.users[3:]), k=10)
    assert sorted(audience.members["user_id"]) == sorted(hand.users[:3])
    assert audience.notes == ("Only 3 shoppers are not seeds, so the audience has 3.",)


@pytest.mark.parametrize(
    ("ids", "k", "method", "message"),
    [
        (
            ["ghost", "nobody", "x", "y"],
            5,
            "nearest",
            r"none of the seed ids .* \(ghost, nobody, x\)",
        ),
        ([], 5, "nearest", r"\(none given\)"),
        (["g0u01"], 0, "nearest", "audience size = 0: ask for at least 1"),
        (["g0u01"], -3, "centroid", "audience size = -3"),
        (["g0u01"], 5, "cosine", "method = 'cosine' is not one of classifier, nearest, centroid"),
    ],
)
def test_unusable_requests_are_config_errors(
    hand: ShopperVectors, ids: list[str], k: int, method: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        lookalike_audience(hand, ids, k=k, method=method)


def test_many_seeds_are_sampled_under_nearest_and_the_notes_say_so(
    hand: ShopperVectors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookalike, "MAX_COMPARED_SEEDS", 4)
    seeds = group_users()[0][:9]
    audience = lookalike_audience(hand, seeds, k=5, method="nearest")
    assert audience.notes == ("Each shopper was compared with a fixed sample of 4 of the 9 seeds.",)
    again = lookalike_audience(hand, seeds, k=5, method="nearest")
    assert again.members.equals(audience.members)  # a fixed, seeded sample
    assert all(user.startswith("g0") for user in audience.members["user_id"])
    assert lookalike_audience(hand, seeds, k=5, method="centroid").notes == ()
    assert lookalike_audience(hand, seeds[:4], k=5, method="nearest").notes == ()


def test_many_seeds_are_sampled_by_the_classifier_and_the_notes_say_so(
    hand: ShopperVectors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookalike, "MAX_CLASSIFIER_SEEDS", 5)
    seeds = group_users()[0][:9]  # 8 of group 0 are left to find
    audience = lookalike_audience(hand, seeds, k=5)
    assert audience.notes == ("The classifier learned from a fixed sample of 5 of the 9 seeds.",)
    assert audience.members.equals(lookalike_audience(hand, seeds, k=5).members)
    assert all(user.startswith("g0") for user in audience.members["user_id"])


def test_resolve_seeds_keeps_the_given_order() -> None:
    hand = planted_vectors()[0]
    seeds = resolve_seeds(hand, ["g1u03", "??", "g0u00", "g1u03"])
    assert seeds.known == ("g1u03", "g0u00") and seeds.unknown == ("??",) and seeds.repeated == 1


# -- pasted ids ------------------------------------------------------------------------------


def test_parse_ids_splits_on_any_separator_and_drops_quotes() -> None:
    text = " \"u1\", u2;u3\n\tu4  'u5'\r\n`u6`,,; \n u1 "
    assert parse_ids(text) == ["u1", "u2", "u3", "u4", "u5", "u6", "u1"]
    assert parse_ids("") == [] and parse_ids(" ,;\n ") == []


def test_a_million_pasted_ids_are_read() -> None:
    text = "\n".join(f"user{i}" for i in range(1_000_000))
    ids = parse_ids(text)
    assert len(ids) == 1_000_000 and ids[0] == "user0" and ids[-1] == "user999999"


def test_more_than_max_seed_ids_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookalike, "MAX_SEED_IDS", 5)
    assert len(parse_ids("a b c d e")) == 5
    with pytest.raises(ConfigError, match="6 ids given: at most 5 seeds"):
        parse_ids("a b c d e f")
    with pytest.raises(ConfigError, match=r"list\.csv: 6 ids, more than the 5 seeds"):
        ids_from_bytes("list.csv", b"a\nb\nc\nd\ne\nf\n")


# -- seed files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"u1\nu2\r\n\n u3 \nu2\n", ["u1", "u2", "u3", "u2"]),
        (b"name,user_id,spend\nAnn,u7,3.5\nBo,u9,1\n,,\n", ["u7", "u9"]),
        (b'User_ID;name\nu7;Ann\n"u8";Bo\n', ["u7", "u8"]),
        (b'"user_id"\n"u1"\n\'u2\'\n', ["u1", "u2"]),
        (b"\xef\xbb\xbfuser_id,x\nu5,1\nu6,2\n", ["u5", "u6"]),
        (b"\xef\xbb\xbfu5\nu6\n", ["u5", "u6"]),
        (b"u1,extra\nu2,more\n", ["u1", "u2"]),
        (b"user_id\tx\nu3\t1\n", ["u3"]),
        ("caf\u00e9-7\n\u00fcser\n".encode(), ["caf\u00e9-7", "\u00fcser"]),
        (b"", []),
        (b"user_id\n", []),
    ],
    ids=[
        "plain",
        "csv-column",
        "semicolon",
        "quoted",
        "bom-csv",
        "bom-plain",
        "first-field",
        "tab",
        "utf8",
        "empty",
        "header-only",
    ],
)
def test_seed_files_in_the_usual_shapes(data: bytes, expected: list[str]) -> None:
    assert ids_from_bytes("seeds.csv", data) == expected


def test_a_file_that_is_not_utf8_names_the_file_and_line() -> None:
    with pytest.raises(InputError, match=r"^seeds\.txt, line 3: this is not UTF-8 text") as raised:
        ids_from_bytes("seeds.txt", b"u1\nu2\nu\xe93\nu4\n")
    assert raised.value.file == "seeds.txt" and raised.value.line == 3
    assert "save the list as UTF-8 text" in str(raised.value)


def test_the_bad_line_is_counted_after_a_byte_order_mark() -> None:
    """Regression: `ids_from_bytes` counts newlines in the raw bytes up to the decode
    error's offset, but under utf-8-sig that offset is measured after the 3-byte BOM, so
    with a BOM the newlines among the 3 bytes just before the bad byte are not counted and
    an earlier line is named (here line 2 for the bad byte on line 3)."""
    with pytest.raises(InputError) as raised:
        ids_from_bytes("seeds.txt", b"\xef\xbb\xbfu1\nu2\nu\xe93\n")
    assert raised.value.line == 3


def test_a_too_large_seed_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(lookalike, "MAX_SEED_FILE_BYTES", 2**20)
    big = b"u1\n" * (2**20 // 3 + 1)
    with pytest.raises(InputError, match=r"^big\.csv: the seed list is 1 MiB, more than the 1 MiB"):
        ids_from_bytes("big.csv", big)
    path = tmp_path / "big.csv"
    path.write_bytes(big)
    with pytest.raises(InputError, match="upload only the user_id column"):
        ids_from_file(path)
    assert ids_from_bytes("ok.csv", b"u1\nu2\n") == ["u1", "u2"]


def test_ids_from_file_reads_a_file_and_names_a_missing_one(tmp_path) -> None:
    path = tmp_path / "seeds.csv"
    path.write_text("user_id,segment\nu1,4\nu2,4\n", encoding="utf-8")
    assert ids_from_file(path) == ["u1", "u2"]
    with pytest.raises(InputError, match="no such file — check the path"):
        ids_from_file(tmp_path / "missing.csv")


def test_buyers_of_chosen_products_are_seeds_most_active_first() -> None:
    from seqrec_core.recommend.segments import SegmentRule, segment_users

    events = pd.DataFrame(
        {
            "user_id": ["a", "b", "b", "c", "d"],
            "item_id": ["P1", "P1", "P2", "P2", "P1"],
            "timestamp": ["2026-01-01"] * 4 + ["2026-01-02"],
            "event_type": ["purchase", "purchase", "purchase", "view", "view"],
        }
    )
    catalog = pd.DataFrame({"item_id": ["P1", "P2"], "title": ["One", "Two"]})
    rule = SegmentRule(days=None, items=("P1", "P2"))
    assert segment_users(events, catalog, rule) == ["b", "a"]  # views of P2 / P1 do not count
    assert segment_users(events, catalog, SegmentRule(days=None, items=("P9",))) == []
