"""user_embeddings: both formats and layouts, every rejection with its line and column,
coverage counts and the aligned matrix."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seqrec_core.errors import InputError
from seqrec_core.text.user_embeddings import (
    EmbeddingsCoverage,
    UserEmbeddings,
    aligned_matrix,
    coverage,
    read_user_embeddings,
)


def _csv(folder: Path, text: str, name: str = "vectors.csv") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _parquet(folder: Path, columns: dict[str, pa.Array | list], name: str = "v.parquet") -> Path:
    path = folder / name
    pq.write_table(pa.table(columns), path)
    return path


def _error(path: Path, **kwargs: int) -> InputError:
    with pytest.raises(InputError) as caught:
        read_user_embeddings(path, display_name="mine.csv", **kwargs)
    assert caught.value.file == "mine.csv"
    assert caught.value.hint
    return caught.value


# --- reading: both formats, both layouts ------------------------------------------------


def test_csv_list_column_keeps_ids_as_written(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'item_id,vector\n00123,"[0.5, -1.25, 3]"\nA7,"[0, 0.125,2.5e-1]"\n')
    read = read_user_embeddings(path, display_name="shop vectors.csv")
    assert read.source == "shop vectors.csv"
    assert read.item_ids == ("00123", "A7")
    assert read.dim == 3
    assert read.vectors.dtype == np.float32
    np.testing.assert_array_equal(read.vectors, [[0.5, -1.25, 3.0], [0.0, 0.125, 0.25]])
    assert not read.vectors.flags.writeable


def test_csv_numbered_columns_in_index_order_other_columns_ignored(tmp_path: Path) -> None:
    path = _csv(tmp_path, "E2,title,ID,e0,e1\n3,red mug,007,1,2\n6,tent,8,4,5\n")
    read = read_user_embeddings(path)
    assert read.item_ids == ("007", "8")
    np.testing.assert_array_equal(read.vectors, [[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize("prefix", ["emb_", "dim_", "f", "Emb"])
def test_numbered_prefixes(tmp_path: Path, prefix: str) -> None:
    path = _csv(tmp_path, f"product_id,{prefix}0,{prefix}1\np1,0.5,1.5\n")
    np.testing.assert_array_equal(read_user_embeddings(path).vectors, [[0.5, 1.5]])


def test_gzip_csv_with_space_separated_cells(tmp_path: Path) -> None:
    path = tmp_path / "v.csv.gz"
    path.write_bytes(gzip.compress(b"Item,Embeddings\nx,0.25 0.5\ny, 1  -2 \n"))
    read = read_user_embeddings(path)
    assert read.item_ids == ("x", "y")
    np.testing.assert_array_equal(read.vectors, [[0.25, 0.5], [1, -2]])


def test_comma_separated_cells_in_a_semicolon_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id;embedding\na;0.1,0.2\nb;0.3,0.4\n")
    read = read_user_embeddings(path)
    np.testing.assert_allclose(read.vectors, [[0.1, 0.2], [0.3, 0.4]], rtol=1e-7)


def test_csv_only_bracketed_column_is_the_vector(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'item_id,title,vec\nq,red mug,"[1, 2]"\nr,tent,"[3, 4]"\n')
    np.testing.assert_array_equal(read_user_embeddings(path).vectors, [[1, 2], [3, 4]])


def test_parquet_list_column_and_string_ids(tmp_path: Path) -> None:
    vectors = pa.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], pa.list_(pa.float32()))
    path = _parquet(tmp_path, {"item_id": ["0001", "0002", "x"], "embedding": vectors})
    read = read_user_embeddings(path)
    assert read.item_ids == ("0001", "0002", "x")
    np.testing.assert_array_equal(read.vectors, [[1, 2], [3, 4], [5, 6]])


def test_parquet_only_list_typed_column_and_integer_ids(tmp_path: Path) -> None:
    vectors = pa.array([[1, 2, 3], [4, 5, 6]], pa.list_(pa.int64(), 3))  # fixed-size list
    path = _parquet(tmp_path, {"id": [17850, 9], "name": ["a", "b"], "v": vectors})
    read = read_user_embeddings(path)
    assert read.item_ids == ("17850", "9")
    np.testing.assert_array_equal(read.vectors, [[1, 2, 3], [4, 5, 6]])


def test_parquet_numbered_columns(tmp_path: Path) -> None:
    path = _parquet(tmp_path, {"item_id": ["a", "b"], "e1": [2.0, 4.0], "e0": [1, 3]})
    np.testing.assert_array_equal(read_user_embeddings(path).vectors, [[1, 2], [3, 4]])


def test_float_typed_integer_ids_match_the_ingest(tmp_path: Path) -> None:
    """`17850.0` (a float export of an integer id) is `17850`, as the ingest stores it."""
    path = _csv(tmp_path, "item_id,e0\n17850.0,1\n00123,2\n1.50,3\n")
    assert read_user_embeddings(path).item_ids == ("17850", "00123", "1.50")


def test_lines_count_a_vector_cell_that_spans_two_lines(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'item_id,vector\na,"[0.1\n 0.2]"\nb,"[0.3 0.4]"\nc,"[0.5 nan]"\n')
    error = _error(path)
    assert (error.line, error.column) == (5, "vector")


# --- rejections, each with its line and column --------------------------------------------

REJECTED = [
    # (file content, words of the message, line, column)
    ("sku,vector\na,[1]\n", "no item id column", None, None),
    ("item_id,price\na,1\n", "no vector columns", None, None),
    ('item_id,a,b\nx,"[1]","[2]"\n', "several columns hold lists (a, b)", None, None),
    ("item_id,e0,e2\na,1,2\n", "e1 is missing", None, "e1"),
    ('item_id,vector\na,"[1,2,3]"\nb,"[1,2]"\n', "has 2 values, expected 3", 3, "vector"),
    ('item_id,vector\na,"[1,2]"\nb,\n', "vector is empty", 3, "vector"),
    ("item_id,e0,e1\na,1,2\nb,1,2\nc,1\n", "expected 3 fields, found 2", 4, None),
    ("item_id,vector\na,1,2\n", "expected 2 fields, found 3", 2, None),
    ("item_id,e0,e1\na,1,2\nb,1,NaN\nc,inf,1\n", "NaN is NaN or infinite", 3, "e1"),
    ('item_id,vector\na,"[1, 2]"\nb,"[3, -inf]"\n', "value 2 of the vector", 3, "vector"),
    ("item_id,e0,e1\na,1,2\nb,1,2\nc,abc,2\n", "'abc' is not a number", 4, "e0"),
    ("item_id,e0,e1\na,1,\n", "a value is empty", 2, "e1"),
    ("item_id,e0\na,1e39\n", "too large for 32-bit floats", 2, "e0"),
    ('item_id,vector\na,"[0.1 0.2 ... 0.9]"\n', "'...' is not a number", 2, "vector"),
    ("item_id,e0\na,1\nb,2\na,3\n", "'a' appears twice, on lines 2 and 4", 4, "item_id"),
    ("item_id,e0\na,1\n ,2\n", "item id is empty", 3, "item_id"),
    ("item_id,e0,e1\n", "no rows", None, None),
]


@pytest.mark.parametrize(("content", "words", "line", "column"), REJECTED)
def test_csv_rejections_name_line_and_column(
    tmp_path: Path, content: str, words: str, line: int | None, column: str | None
) -> None:
    error = _error(_csv(tmp_path, content))
    assert words in error.message
    assert (error.line, error.column) == (line, column)


def test_numpy_truncation_gets_its_own_hint(tmp_path: Path) -> None:
    error = _error(_csv(tmp_path, 'item_id,vector\na,"[0.1 ... 0.9]"\n'))
    assert ".tolist()" in (error.hint or "")


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in _error(_csv(tmp_path, "")).message


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = _csv(tmp_path, "item_id,e0\n" + "".join(f"i{n},{n}\n" for n in range(100)))
    assert "over the limit" in _error(path, max_bytes=100).message
    assert len(read_user_embeddings(path, max_bytes=10_000).item_ids) == 100


def test_numbered_columns_wider_than_max_dim(tmp_path: Path) -> None:
    error = _error(_csv(tmp_path, "item_id,e0,e1,e2\na,1,2,3\n"), max_dim=2)
    assert "3 dimensions, more than the 2 allowed" in error.message


def test_list_wider_than_max_dim(tmp_path: Path) -> None:
    error = _error(_csv(tmp_path, 'item_id,vector\na,"[1,2,3]"\n'), max_dim=2)
    assert "3 dimensions" in error.message
    assert (error.line, error.column) == (2, "vector")


def test_parquet_rejections_name_the_row(tmp_path: Path) -> None:
    ragged = pa.array([[1.0, 2.0], [3.0, 4.0], [5.0]], pa.list_(pa.float64()))
    error = _error(_parquet(tmp_path, {"item_id": ["a", "b", "c"], "vector": ragged}))
    assert "has 1 values, expected 2" in error.message
    assert (error.line, error.column) == (3, "vector")
    nan = _parquet(tmp_path, {"item_id": ["a", "b"], "e0": [1.0, float("nan")]}, "nan.parquet")
    error = _error(nan)
    assert "NaN or infinite" in error.message
    assert (error.line, error.column) == (2, "e0")
    holes = pa.array([[1.0, 2.0], [3.0, None]], pa.list_(pa.float64()))
    error = _error(_parquet(tmp_path, {"item_id": ["a", "b"], "vector": holes}, "holes.parquet"))
    assert "value 2 of the vector" in error.message
    assert (error.line, error.column) == (2, "vector")


def test_parquet_vector_column_that_is_not_lists(tmp_path: Path) -> None:
    error = _error(_parquet(tmp_path, {"item_id": ["a"], "vector": [1.5]}))
    assert "not lists of numbers" in error.message
    assert error.column == "vector"


# --- coverage and alignment ---------------------------------------------------------------


def _embeddings(ids: tuple[str, ...]) -> UserEmbeddings:
    vectors = np.arange(len(ids) * 3, dtype=np.float32).reshape(len(ids), 3) + 1
    return UserEmbeddings(source="v.csv", item_ids=ids, vectors=vectors)


def test_coverage_counts_known_unknown_and_missing() -> None:
    file_ids = ("a", "x1", "b", "x2", "x3", "x4", "x5", "x6", "c")
    vocabulary = ["c", "m1", "a", "m2", "b", "m3"]
    assert coverage(_embeddings(file_ids), vocabulary) == EmbeddingsCoverage(
        known=3,
        unknown=6,
        unknown_examples=("x1", "x2", "x3", "x4", "x5"),
        missing=3,
        missing_examples=("m1", "m2", "m3"),
    )


def test_aligned_matrix_puts_vectors_in_vocabulary_order() -> None:
    embeddings = _embeddings(("a", "gone", "b"))  # rows [1 2 3], [4 5 6], [7 8 9]
    matrix, mask = aligned_matrix(embeddings, ["b", "new", "a"])
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, [[0, 0, 0], [7, 8, 9], [0, 0, 0], [1, 2, 3]])
    assert mask.dtype == np.bool_
    assert mask.tolist() == [False, True, False, True]


def test_aligned_matrix_of_an_empty_vocabulary() -> None:
    matrix, mask = aligned_matrix(_embeddings(("a",)), [])
    assert matrix.shape == (1, 3)
    assert mask.tolist() == [False]


def test_read_then_align_end_to_end(tmp_path: Path) -> None:
    path = _csv(tmp_path, "item_id,e0,e1\n00123,1,2\n123,3,4\n")
    read = read_user_embeddings(path)
    matrix, mask = aligned_matrix(read, ["123", "00123", "999"])
    np.testing.assert_array_equal(matrix[1:3], [[3, 4], [1, 2]])
    assert mask.sum() == 2
    assert coverage(read, ["123", "00123", "999"]).missing_examples == ("999",)
