"""Shopper representations: the model's own scoring state, the run cache, the export."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from seqrec_core.data.sequences import pad_left
from seqrec_core.errors import ConfigError, RunError
from seqrec_core.runs.trained_run import LoadedRun, load_run
from seqrec_core.shoppers import representations
from seqrec_core.shoppers.representations import (
    CACHE_FILE,
    ShopperVectors,
    compute_shopper_vectors,
    has_representations,
    require_representations,
    sample_rows,
    shopper_vectors,
    write_vectors,
)
from tests.shoppers.conftest import Planted
from tests.support.tiny_shop import USERS, small_sasrec, tiny_workspace, train_run

NEURAL = ("sasrec", "bert4rec", "gru4rec")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LoadedRun]:
    workspace = tiny_workspace(tmp_path_factory.mktemp("shopper-vectors"))
    ids = {
        "sasrec": small_sasrec(workspace),
        "bert4rec": train_run(
            workspace, "bert4rec", "hidden_size=16", "inner_size=24", "max_len=8", epochs=1
        ),
        "gru4rec": train_run(
            workspace, "gru4rec", "embedding_size=16", "hidden_size=12", "max_len=8", epochs=1
        ),
        "pop": train_run(workspace, "pop"),
        "cooc": train_run(workspace, "cooc"),
    }
    return {name: load_run(workspace, run) for name, run in ids.items()}


def _model_scores(loaded: LoadedRun, rows: np.ndarray) -> np.ndarray:
    """(R, V - 1) the model's own `score_items` of `rows` (real items only)."""
    model = loaded.model
    batch = pad_left(loaded.prepared.data.sequences, rows, model.config.max_len)
    with torch.no_grad():
        return model.score_items(**batch)[:, 1:].float().numpy()


def _vector_scores(vectors: ShopperVectors) -> np.ndarray:
    scores = vectors.vectors @ vectors.item_vectors.T
    if vectors.item_bias is not None:
        scores = scores + vectors.item_bias
    return scores[:, 1:]


# -- the model's own state -------------------------------------------------------------------


@pytest.mark.parametrize("name", NEURAL)
def test_history_vectors_are_the_mean_item_vector_of_the_whole_history(
    runs: dict[str, LoadedRun], name: str
) -> None:
    loaded = runs[name]
    seqs = loaded.prepared.data.sequences
    vectors = compute_shopper_vectors(loaded, kind="history", batch_size=3)  # several batches
    assert vectors.kind == "history" and vectors.vectors.shape == (USERS, vectors.dim)
    items = vectors.item_vectors
    for row in range(USERS):
        history = seqs.items[seqs.offsets[row] : seqs.offsets[row + 1]]  # every event, not max_len
        np.testing.assert_allclose(vectors.vectors[row], items[history].mean(axis=0), atol=1e-5)


def test_each_kind_has_its_own_cache(runs: dict[str, LoadedRun]) -> None:
    loaded = runs["sasrec"]
    nxt, history = (shopper_vectors(loaded, kind=kind) for kind in ("next", "history"))
    assert (loaded.info.folder / representations.CACHE_FILES["history"]).is_file()
    assert representations.cache_is_fresh(loaded, "history") and representations.cache_is_fresh(
        loaded
    )
    again = shopper_vectors(loaded, kind="history")
    assert again.kind == "history" and not np.allclose(nxt.vectors, history.vectors)
    np.testing.assert_array_equal(again.vectors, history.vectors)
    with pytest.raises(ConfigError, match="representation = 'mean' is not one of history, next"):
        shopper_vectors(loaded, kind="mean")


@pytest.mark.parametrize("name", NEURAL)
def test_representations_score_every_item_as_the_model_does(
    runs: dict[str, LoadedRun], name: str
) -> None:
    loaded = runs[name]
    vectors = compute_shopper_vectors(loaded)
    assert len(vectors) == USERS and vectors.users == loaded.prepared.data.users.tokens
    assert vectors.vectors.dtype == np.float32 and vectors.dim == 16
    assert vectors.item_vectors.shape == (loaded.prepared.data.items.size, 16)
    assert (vectors.item_bias is not None) == (name == "bert4rec")
    expected = _model_scores(loaded, np.arange(USERS))
    np.testing.assert_allclose(_vector_scores(vectors), expected, atol=1e-4, rtol=1e-4)


def test_batches_and_padding_do_not_change_a_representation(planted: Planted) -> None:
    """Histories of 5 to 9 events under a window of 8: batched with longer or shorter
    neighbours, or scored alone, a shopper's vector gives the same scores."""
    loaded = planted.loaded
    lengths = loaded.prepared.data.sequences.lengths
    assert lengths.min() < loaded.model.config.max_len < lengths.max()
    seen: list[tuple[float, str]] = []
    small = compute_shopper_vectors(loaded, batch_size=4, progress=lambda f, t: seen.append((f, t)))
    np.testing.assert_allclose(small.vectors, planted.vectors.vectors, atol=1e-5)
    count = len(small)
    assert len(seen) == -(-count // 4) and seen[-1] == (
        1.0,
        f"Representing shoppers: {count} of {count}",
    )
    # One shopper of every history length, each scored alone.
    rows = np.unique(lengths, return_index=True)[1]
    assert len(rows) == 5
    alone = np.concatenate([_model_scores(loaded, np.array([r])) for r in rows])
    np.testing.assert_allclose(_vector_scores(small)[rows], alone, atol=1e-4, rtol=1e-4)
    together = _model_scores(loaded, np.arange(count))
    np.testing.assert_allclose(_vector_scores(small), together, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("name", ["pop", "cooc"])
def test_baselines_have_no_representation_and_say_so_plainly(
    runs: dict[str, LoadedRun], name: str
) -> None:
    loaded = runs[name]
    assert not has_representations(loaded.model)
    title = name.upper()
    with pytest.raises(RunError, match=f"is a {title} baseline: it counts items") as raised:
        require_representations(loaded)
    assert "pick a SASRec, BERT4Rec or GRU4Rec run" in str(raised.value)
    with pytest.raises(RunError, match="baseline"):
        compute_shopper_vectors(loaded)
    with pytest.raises(RunError, match="baseline"):
        shopper_vectors(loaded)
    assert not (loaded.info.folder / CACHE_FILE).exists()


def test_sample_rows_keeps_everybody_or_a_fixed_sorted_sample() -> None:
    assert sample_rows(5, 7).tolist() == [0, 1, 2, 3, 4]
    picked = sample_rows(101, 9, seed=4)
    assert len(picked) == len(set(picked.tolist())) == 9
    assert picked.tolist() == sorted(picked.tolist()) and picked.max() < 101
    assert picked.tolist() == sample_rows(101, 9, seed=4).tolist()


# -- the cache -------------------------------------------------------------------------------


def test_the_cache_is_written_then_read_instead_of_recomputed(
    runs: dict[str, LoadedRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = runs["sasrec"]
    path = loaded.info.folder / CACHE_FILE
    path.unlink(missing_ok=True)
    first = shopper_vectors(loaded)
    assert path.is_file() and path.parent.name == loaded.info.run_id
    assert path.parent.parent.name == "runs"
    table = pq.read_table(path)
    assert table.column_names == ["user_id", "vector", "run_id", "model", "representation"]
    assert table.column("user_id").to_pylist() == list(first.users)

    def fail(*args: object, **kwargs: object) -> ShopperVectors:
        raise AssertionError("recomputed although the cache matches")

    monkeypatch.setattr(representations, "compute_shopper_vectors", fail)
    seen: list[tuple[float, str]] = []
    second = shopper_vectors(loaded, progress=lambda f, t: seen.append((f, t)))
    assert seen == [(1.0, f"Representations of {USERS} shoppers read from the cache")]
    np.testing.assert_array_equal(second.vectors, first.vectors)
    np.testing.assert_array_equal(second.item_vectors, first.item_vectors)
    assert (second.users, second.run_id, second.model) == (first.users, first.run_id, "sasrec")
    with pytest.raises(AssertionError, match="recomputed"):
        shopper_vectors(loaded, cache=False)  # cache=False never reads it


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = representations.compute_shopper_vectors

    def counted(*args: object, **kwargs: object) -> ShopperVectors:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(representations, "compute_shopper_vectors", counted)
    return calls


def test_a_damaged_cache_is_recomputed_and_replaced(
    runs: dict[str, LoadedRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = runs["gru4rec"]
    path = loaded.info.folder / CACHE_FILE
    expected = compute_shopper_vectors(loaded).vectors
    path.write_bytes(b"PAR1 not really a parquet file \x00\xff" * 7)
    calls = _counting(monkeypatch)
    vectors = shopper_vectors(loaded)
    assert calls == [1]
    np.testing.assert_allclose(vectors.vectors, expected, atol=1e-6)
    assert pq.read_table(path).num_rows == USERS  # replaced by a good one
    shopper_vectors(loaded)
    assert calls == [1]
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_cache_of_another_checkpoint_or_shopper_list_is_not_read(
    runs: dict[str, LoadedRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = runs["bert4rec"]
    path = loaded.info.folder / CACHE_FILE
    shopper_vectors(loaded)
    calls = _counting(monkeypatch)
    weights = loaded.info.best_dir / "model.safetensors"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    shopper_vectors(loaded)  # the checkpoint changed since
    assert calls == [1]
    table = pq.read_table(path)  # same key, other shoppers
    pq.write_table(table.slice(1), path)
    shopper_vectors(loaded)
    assert calls == [1, 1]
    shopper_vectors(loaded)
    assert calls == [1, 1]


# -- the export ------------------------------------------------------------------------------


def _hand_vectors() -> ShopperVectors:
    users = ("=cmd|' /C calc'!A0", "+1", "alice", "@sum", "-7", "bob,jr", "u07")
    vectors = np.arange(len(users) * 3, dtype=np.float32).reshape(-1, 3) / 7 - 1
    return ShopperVectors("run-x", "gru4rec", users, vectors, np.zeros((4, 3), np.float32))


def test_parquet_export_round_trips(runs: dict[str, LoadedRun], tmp_path: Path) -> None:
    vectors = compute_shopper_vectors(runs["sasrec"])
    path = write_vectors(vectors, tmp_path / "deep" / "out.PARQUET")
    assert path.is_file() and not list(path.parent.glob(".*.tmp"))
    table = pq.read_table(path)
    assert table.column_names == ["user_id", "vector", "run_id", "model", "representation"]
    assert table.schema.field("vector").type == pa.list_(pa.float32())
    assert table.column("user_id").to_pylist() == list(vectors.users)
    back = np.array(table.column("vector").to_pylist(), dtype=np.float32)
    np.testing.assert_array_equal(back, vectors.vectors)
    assert set(table.column("run_id").to_pylist()) == {vectors.run_id}
    assert set(table.column("model").to_pylist()) == {"sasrec"}
    assert set(table.column("representation").to_pylist()) == {"next"}


def test_csv_export_has_one_column_per_dimension_and_safe_ids(tmp_path: Path) -> None:
    vectors = _hand_vectors()
    path = write_vectors(vectors, tmp_path / "out.csv")
    frame = pd.read_csv(path, dtype={"user_id": str})
    assert list(frame.columns) == ["user_id", "e0", "e1", "e2", "run_id", "model", "representation"]
    assert frame["user_id"].tolist() == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "alice",
        "'@sum",
        "'-7",
        "bob,jr",
        "u07",
    ]
    np.testing.assert_allclose(frame[["e0", "e1", "e2"]].to_numpy(), vectors.vectors, atol=1e-6)
    assert (frame["e0"] < 0).any()  # negative numbers stay numbers
    assert set(frame["run_id"]) == {"run-x"} and set(frame["model"]) == {"gru4rec"}


@pytest.mark.parametrize("name", ["out.json", "out", "out.parquet.gz", "out.tsv"])
def test_other_file_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=r"write shopper vectors to a \.parquet or a \.csv"):
        write_vectors(_hand_vectors(), tmp_path / name)
    assert not list(tmp_path.iterdir())


def test_unit_vectors_have_length_one() -> None:
    unit = _hand_vectors().unit
    assert unit.shape == (7, 3)
    np.testing.assert_allclose(unit.norm(dim=1).numpy(), 1.0, atol=1e-6)
