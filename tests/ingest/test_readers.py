"""readers.read_table: every format, exact values and line numbers, and every bad input."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seqrec_core.errors import ConfigError, InputError
from seqrec_core.ingest import delimited_rows, excel_parquet_jsonl
from seqrec_core.ingest.readers import MalformedRow, RawTable, read_table


def _write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def _rows(raw: RawTable) -> list[list[object]]:
    return [list(row.values()) for row in raw.table.to_pylist()]


def _lines(raw: RawTable) -> list[int]:
    assert raw.line_numbers.dtype == np.int64
    assert len(raw.line_numbers) == raw.table.num_rows
    return raw.line_numbers.tolist()


# --- delimited text ---------------------------------------------------------------------------


def test_csv_with_header_keeps_every_value_as_written(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "events.csv",
        "user_id,item_id,timestamp,price\n"
        "00123,2.10381E+18,2024-01-01 10:00:00,35.79\n"
        "7,0042,1511544070,\n",
    )
    raw = read_table(src)
    assert raw.table.column_names == ["user_id", "item_id", "timestamp", "price"]
    assert all(field.type == pa.string() for field in raw.table.schema)
    assert _rows(raw) == [
        ["00123", "2.10381E+18", "2024-01-01 10:00:00", "35.79"],
        ["7", "0042", "1511544070", ""],
    ]
    assert _lines(raw) == [2, 3]
    assert (raw.format, raw.delimiter, raw.encoding, raw.compression) == ("csv", ",", "utf-8", None)
    assert raw.has_header
    assert raw.malformed == ()
    assert raw.source_name == "events.csv"


def test_utf8_bom_is_removed_from_the_first_header_name(tmp_path: Path) -> None:
    src = _write(tmp_path, "bom.csv", "\ufeffuser_id,item_id\nu1,i1\n")
    raw = read_table(src)
    assert raw.encoding == "utf-8-sig"
    assert raw.table.column_names == ["user_id", "item_id"]
    assert _rows(raw) == [["u1", "i1"]]


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "fr.csv",
        "user_id;item_id;title\nu1;i1;Crème brûlée\nu2;i2;Façade\n",
        encoding="latin-1",
    )
    raw = read_table(src)
    assert (raw.encoding, raw.delimiter) == ("latin-1", ";")
    assert raw.table.column("title").to_pylist() == ["Crème brûlée", "Façade"]
    assert any("latin-1" in warning for warning in raw.warnings)


def test_latin1_byte_after_the_sniffed_sample_is_still_found(tmp_path: Path) -> None:
    body = "user_id,item_id\n" + "u1,i1\n" * 20_011 + "u2,Crème\n"
    raw = read_table(_write(tmp_path, "late.csv", body, encoding="latin-1"))
    assert raw.encoding == "latin-1"
    assert raw.table.column("item_id")[-1].as_py() == "Crème"
    assert _lines(raw)[-1] == 20_013


def test_windows_1252_euro_sign(tmp_path: Path) -> None:
    src = _write(tmp_path, "win.csv", "item_id,title\ni1,Tasse 5 €\n", encoding="cp1252")
    raw = read_table(src)
    assert raw.encoding == "cp1252"
    assert raw.table.column("title").to_pylist() == ["Tasse 5 €"]


def test_utf16_with_bom(tmp_path: Path) -> None:
    src = _write(tmp_path, "excel.txt", "user_id\titem_id\nu1\tCrème\n", encoding="utf-16")
    raw = read_table(src)
    assert (raw.encoding, raw.format, raw.delimiter) == ("utf-16", "tsv", "\t")
    assert _rows(raw) == [["u1", "Crème"]]


@pytest.mark.parametrize(
    ("delimiter", "fmt"), [(";", "csv"), ("\t", "tsv"), ("|", "csv"), (",", "csv")]
)
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str, fmt: str) -> None:
    # Decimal commas put a comma in every data row: a consistent but wrong delimiter.
    price = "3.5" if delimiter == "," else "3,5"
    rows = [["user_id", "item_id", "price"]] + [["u1", "i1", price]] * 3
    body = "".join(delimiter.join(row) + "\n" for row in rows)
    raw = read_table(_write(tmp_path, "data.txt", body))
    assert (raw.delimiter, raw.format) == (delimiter, fmt)
    assert _rows(raw) == [["u1", "i1", price]] * 3
    assert _lines(raw) == [2, 3, 4]


def test_extension_is_only_a_hint(tmp_path: Path) -> None:
    raw = read_table(_write(tmp_path, "really_comma.tsv", "user_id,item_id\nu1,i1\nu2,i2\n"))
    assert (raw.delimiter, raw.format) == (",", "csv")


def test_headerless_taobao_file(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "UserBehavior.csv",
        "1,2268318,2520377,pv,1511544070\n1,2333346,2520771,pv,1511561733\n"
        "100,1603476,2951233,cart,1511587391\n",
    )
    raw = read_table(src)
    assert not raw.has_header
    assert raw.table.column_names == [f"column_{i}" for i in range(1, 6)]
    assert _rows(raw)[0] == ["1", "2268318", "2520377", "pv", "1511544070"]
    assert _lines(raw) == [1, 2, 3]


def test_quoted_newlines_and_doubled_quotes(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "quoted.csv",
        "item_id,title,price\n"  # 1
        'i1,"Tent, 2 persons",10\n'  # 2
        'i2,"The ""Best""\nstove\never",20\n'  # 3-5
        'i3,"",30\n'  # 6
        '"i4","multi\r\nline",40\r\n'  # 7-8
        "i5,plain,50\n",  # 9
    )
    raw = read_table(src)
    assert _rows(raw) == [
        ["i1", "Tent, 2 persons", "10"],
        ["i2", 'The "Best"\nstove\never', "20"],
        ["i3", "", "30"],
        ["i4", "multi\r\nline", "40"],
        ["i5", "plain", "50"],
    ]
    assert _lines(raw) == [2, 3, 6, 7, 9]


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "blank.csv",
        "\n\nuser_id,item_id\r\n\r\nu1,i1\r\n\r\n\r\nu2,i2\r\nu3,i3\r\n\r\n",
    )
    raw = read_table(src)
    assert raw.table.column_names == ["user_id", "item_id"]
    assert _rows(raw) == [["u1", "i1"], ["u2", "i2"], ["u3", "i3"]]
    assert _lines(raw) == [5, 8, 9]


def test_ragged_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "ragged.csv",
        "user_id,item_id,timestamp\n"  # 1
        "u1,i1,2024-01-01\n"  # 2
        "u1,i2,2024-01-02,extra,fields\n"  # 3
        "\n"  # 4
        "u2,i3\n"  # 5
        "u2,i4,2024-01-04\n",  # 6
    )
    raw = read_table(src)
    assert _lines(raw) == [2, 6]
    assert raw.malformed == (
        MalformedRow(3, "u1,i2,2024-01-02,extra,fields", "expected 3 fields, found 5"),
        MalformedRow(5, "u2,i3", "expected 3 fields, found 2"),
    )


def test_ragged_rows_next_to_quoted_newlines(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "mixed.csv",
        'user_id,note\nu1,"a\nb"\nu2,"x, y",extra\nu3,"c\n\nd"\nu4,ok\n',
    )
    raw = read_table(src)
    assert _rows(raw) == [["u1", "a\nb"], ["u3", "c\n\nd"], ["u4", "ok"]]
    assert _lines(raw) == [2, 5, 8]
    assert [(m.line, m.text) for m in raw.malformed] == [(4, 'u2,"x, y",extra')]


def test_irregular_quotes_take_the_exact_slow_path(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "inches.csv",
        'item_id,title,price\ni1,TV 55" screen,499\n\ni2,"Radio",20\ni3,Cable 2" long,5,x\n'
        'i4,"Lamp",9\n',
    )
    raw = read_table(src)
    assert _rows(raw) == [
        ["i1", 'TV 55" screen', "499"],
        ["i2", "Radio", "20"],
        ["i4", "Lamp", "9"],
    ]
    assert _lines(raw) == [2, 4, 6]
    assert [(m.line, m.message) for m in raw.malformed] == [(5, "expected 3 fields, found 4")]


def test_quoted_fields_without_line_breaks_stay_on_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fallback(*args: object) -> None:
        raise AssertionError("fell back to the csv module")

    monkeypatch.setattr(delimited_rows, "_split_with_csv", no_fallback)
    rows = [f'"u{i}","{i:05d}","a ""b"", c",TV 55" screen' for i in range(30_011)]
    raw = read_table(_write(tmp_path, "q.csv", "user_id,item_id,title,note\n" + "\n".join(rows)))
    assert raw.table.num_rows == 30_011
    assert _rows(raw)[-1] == ["u30010", "30010", 'a "b", c', 'TV 55" screen']
    assert _lines(raw) == list(range(2, 30_013))


def test_old_mac_line_ends(tmp_path: Path) -> None:
    raw = read_table(_write(tmp_path, "mac.csv", "user_id,item_id\ru1,i1\r\ru2,i2\r"))
    assert _rows(raw) == [["u1", "i1"], ["u2", "i2"]]
    assert _lines(raw) == [2, 4]


def test_header_only_file_has_zero_rows(tmp_path: Path) -> None:
    raw = read_table(_write(tmp_path, "head.csv", "user_id,item_id,timestamp\n"))
    assert raw.table.num_rows == 0
    assert raw.table.column_names == ["user_id", "item_id", "timestamp"]
    assert _lines(raw) == []
    assert raw.has_header


def test_blank_and_repeated_header_names_are_made_unique(tmp_path: Path) -> None:
    raw = read_table(_write(tmp_path, "names.csv", " user_id ,price,,price\nu1,1,x,2\n"))
    assert raw.table.column_names == ["user_id", "price", "column_3", "price_2"]
    assert len(raw.warnings) == 2


def test_single_column_file_warns_about_the_delimiter(tmp_path: Path) -> None:
    raw = read_table(_write(tmp_path, "one.csv", "user_id\nu1\nu2\n"))
    assert raw.table.column_names == ["user_id"]
    assert _lines(raw) == [2, 3]
    assert any("delimiter" in warning for warning in raw.warnings)


def test_movielens_dat(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "ratings.dat",
        "1::1193::5::978300760\n1::661::3::978302109\n2::1357::5::978298709::x\n3::48::4::9\n",
        encoding="latin-1",
    )
    raw = read_table(src)
    assert (raw.format, raw.delimiter, raw.has_header) == ("dat", "::", False)
    assert _rows(raw) == [
        ["1", "1193", "5", "978300760"],
        ["1", "661", "3", "978302109"],
        ["3", "48", "4", "9"],
    ]
    assert _lines(raw) == [1, 2, 4]
    assert raw.malformed[0].text == "2::1357::5::978298709::x"


def test_movielens_movies_dat_is_latin1_and_unquoted(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "movies.dat",
        '1::Toy Story (1995)::Animation|Comedy\n2::"Café" au lait (1993)::Drama\n',
        encoding="latin-1",
    )
    raw = read_table(src)
    assert raw.encoding == "latin-1"
    assert raw.table.column("column_2").to_pylist() == ["Toy Story (1995)", '"Café" au lait (1993)']


def test_recbole_atomic_suffixes_are_stripped(tmp_path: Path) -> None:
    body = 'user_id:token\titem_id:token\ttimestamp:float\ttitle:token_seq\n1\t10\t0\t5" TV\n'
    raw = read_table(_write(tmp_path, "beauty.inter", body))
    assert raw.format == "atomic"
    assert raw.table.column_names == ["user_id", "item_id", "timestamp", "title"]
    assert _rows(raw) == [["1", "10", "0", '5" TV']]
    named_txt = read_table(_write(tmp_path, "export.txt", body))
    assert named_txt.format == "atomic"


def test_atomic_extension_without_suffixes(tmp_path: Path) -> None:
    raw = read_table(_write(tmp_path, "ml.item", "item_id\tgenre\n7\tDrama\n"))
    assert raw.format == "atomic"
    assert raw.has_header


def test_larger_file_matches_an_independent_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows cross pyarrow's 1 MiB blocks; lines are checked against Python's csv module.

    Regularly quoted text must stay on the fast path (pyarrow + numpy line numbers), so the
    slow fallback is disabled here.
    """

    def no_fallback(*args: object) -> None:
        raise AssertionError("fell back to the csv module")

    monkeypatch.setattr(delimited_rows, "_split_with_csv", no_fallback)
    rng = random.Random(7)
    words = ["tent", "stove", 'a "quoted" word', "two\nlines", "x,y", "", "crème", "00123"]
    out = ["user_id,item_id,title,price\n"]
    for i in range(91_113):
        kind = rng.random()
        if kind < 0.01:
            out.append("\n")
        elif kind < 0.02:
            out.append(f"u{i},i{i}\n")  # too few fields
        else:
            title = rng.choice(words)
            quoted = '"' + title.replace('"', '""') + '"' if rng.random() < 0.5 else title
            if any(c in title for c in ',"\n'):
                quoted = '"' + title.replace('"', '""') + '"'
            out.append(f"u{i},{i:06d},{quoted},{rng.randint(1, 999) / 100}\n")
    text = "".join(out)
    raw = read_table(_write(tmp_path, "big.csv", text))
    reader = csv.reader(io.StringIO(text, newline=""))
    expected_rows, expected_lines, expected_bad = [], [], []
    while True:
        start = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            break
        if len(row) == 4:
            expected_rows.append(row)
            expected_lines.append(start)
        elif row:
            expected_bad.append(start)
    assert len(text) > 2**21
    assert _rows(raw) == expected_rows[1:]
    assert _lines(raw) == expected_lines[1:]
    assert [m.line for m in raw.malformed] == expected_bad


# --- compression ------------------------------------------------------------------------------


def test_gzip_csv(tmp_path: Path) -> None:
    src = _write(tmp_path, "events.csv.gz", gzip.compress(b"user_id,item_id\nu1,00123\n\nu2,i2\n"))
    raw = read_table(src)
    assert (raw.format, raw.compression) == ("csv", "gzip")
    assert _rows(raw) == [["u1", "00123"], ["u2", "i2"]]
    assert _lines(raw) == [2, 4]


def test_zip_with_one_csv_ignores_mac_junk(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/events.csv", "user_id;item_id\nu1;i1\n")
        archive.writestr("__MACOSX/data/._events.csv", b"\x00\x05junk")
        archive.writestr(".DS_Store", b"\x00junk")
    raw = read_table(path)
    assert (raw.format, raw.compression, raw.delimiter) == ("csv", "zip", ";")
    assert _rows(raw) == [["u1", "i1"]]


def test_zip_with_two_files_lists_them(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("events.csv", "a,b\n1,2\n")
        archive.writestr("items.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match=r"events\.csv, items\.csv") as info:
        read_table(path, display_name="upload.zip")
    assert info.value.file == "upload.zip"


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.csv", b"a,b\n" + b"0" * 3_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match=r"over the limit of 1\.0 MB"):
        read_table(path, max_bytes=2**20)


def test_gzip_over_the_limit_once_inflated(tmp_path: Path) -> None:
    src = _write(tmp_path, "big.csv.gz", gzip.compress(b"a,b\n" + b"1,2\n" * 400_000))
    with pytest.raises(InputError, match=r"uncompressed.*SEQREC_MAX_UPLOAD_MB"):
        read_table(src, max_bytes=2**20)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.zip", b"PK\x03\x04" + bytes(range(200))),
        ("broken.csv.gz", gzip.compress(b"user_id,item_id\n" * 1000)[:60]),
        ("broken.xlsx", b"PK\x03\x04\x14\x00\x00\x00garbage"),
        ("broken.parquet", b"PAR1" + b"\x00" * 40 + b"PAR1"),
    ],
)
def test_corrupt_containers_are_input_errors(tmp_path: Path, name: str, content: bytes) -> None:
    with pytest.raises(InputError, match="damaged") as info:
        read_table(_write(tmp_path, "upload.bin", content), display_name=name)
    assert info.value.file == name
    assert str(tmp_path) not in str(info.value)


# --- JSON Lines, Parquet, Excel ---------------------------------------------------------------


def test_jsonl_keeps_types_and_stringifies_nested_values(tmp_path: Path) -> None:
    rows = [
        {"user_id": "A1", "asin": "00123", "overall": 5.0, "time": "2024-01-01T10:00:00Z"},
        {"user_id": "A2", "asin": "B07", "overall": 3.0, "images": [{"url": "x"}]},
    ]
    src = _write(tmp_path, "reviews.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    raw = read_table(src)
    assert raw.format == "jsonl"
    assert raw.table.schema.field("overall").type == pa.float64()
    assert raw.table.column("asin").to_pylist() == ["00123", "B07"]
    assert raw.table.column("time").to_pylist() == ["2024-01-01T10:00:00Z", None]
    assert raw.table.column("images").to_pylist() == [None, '[{"url": "x"}]']
    assert _lines(raw) == [1, 2]


def test_jsonl_gz_with_bad_lines(tmp_path: Path) -> None:
    text = '{"user_id": 1, "item_id": 10}\n\n[1, 2]\n{"user_id": 2, "item_id": "x"}\n{oops\n'
    raw = read_table(_write(tmp_path, "events.json.gz", gzip.compress(text.encode())))
    assert (raw.format, raw.compression) == ("jsonl", "gzip")
    assert raw.table.column("user_id").to_pylist() == [1, 2]
    assert raw.table.column("item_id").to_pylist() == ["10", "x"]  # mixed types: JSON text
    assert _lines(raw) == [1, 4]
    assert [(m.line, m.text) for m in raw.malformed] == [(3, "[1, 2]"), (5, "{oops")]
    assert "JSON object" in raw.malformed[0].message


def test_json_array_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="JSON Lines"):
        read_table(_write(tmp_path, "events.json", '[{"a": 1}, {"a": 2}]'))


def test_parquet_file_keeps_native_types(tmp_path: Path) -> None:
    table = pa.table({"user_id": [3, 1, 2], "item_id": ["a", "b", "c"]})
    pq.write_table(table, tmp_path / "events.parquet")
    raw = read_table(tmp_path / "events.parquet")
    assert raw.format == "parquet"
    assert raw.table.equals(table)
    assert _lines(raw) == [1, 2, 3]
    assert (raw.encoding, raw.delimiter) == (None, None)


def test_folder_of_parquet_files(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "day=2").mkdir(parents=True)
    pq.write_table(pa.table({"user_id": [1, 2]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"user_id": [3]}), folder / "day=2" / "part-1.parquet")
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-0.parquet.crc").write_bytes(b"\x00")
    raw = read_table(folder, display_name="export")
    assert sorted(raw.table.column("user_id").to_pylist()) == [1, 2, 3]
    assert _lines(raw) == [1, 2, 3]
    assert raw.format == "parquet"


def test_folder_without_parquet_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \.parquet files"):
        read_table(tmp_path)


def _workbook(path: Path, sheets: dict[str, list[tuple[str, object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, cells in sheets.items():
        sheet = book.create_sheet(title)
        for ref, value in cells:
            sheet[ref] = value
    book.save(path)
    return path


def test_xlsx_cells_become_text(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "orders.xlsx",
        {
            "Notes": [],
            "Orders": [
                ("B2", "CustomerID"),
                ("C2", "StockCode"),
                ("D2", "InvoiceDate"),
                ("E2", "UnitPrice"),
                ("B3", 17850),
                ("C3", "00123"),
                ("D3", dt.datetime(2010, 12, 1, 8, 26)),
                ("E3", 2.55),
                ("B5", 13047.0),
                ("C5", 84692),
                ("D5", dt.date(2010, 12, 2)),
                ("E5", 3),
            ],
        },
    )
    raw = read_table(path)
    assert raw.format == "xlsx"
    assert raw.table.column_names == ["CustomerID", "StockCode", "InvoiceDate", "UnitPrice"]
    assert _rows(raw) == [
        ["17850", "00123", "2010-12-01T08:26:00", "2.55"],
        ["13047", "84692", "2010-12-02T00:00:00", "3"],
    ]
    assert _lines(raw) == [3, 5]
    assert any("2 sheets" in warning for warning in raw.warnings)


def test_xlsx_long_numbers_are_flagged(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "ids.xlsx", {"S": [("A1", "item_id"), ("A2", 2103807459595387724)]})
    raw = read_table(path)
    assert any("15 digits" in warning for warning in raw.warnings)


@pytest.mark.parametrize(("sheet_rows", "counts"), [(12, [5, 10, 12]), (10, [5, 10]), (3, [3])])
def test_xlsx_reports_the_rows_read_so_far(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sheet_rows: int, counts: list[int]
) -> None:
    """Regression: a 541,909-row workbook showed only "Reading Online Retail.xlsx" for 42 s;
    now every few rows and once at the end, each count once."""
    monkeypatch.setattr(excel_parquet_jsonl, "XLSX_ROWS_PER_REPORT", 5)
    cells = [("A1", "user_id"), *((f"A{row}", f"u{row}") for row in range(2, sheet_rows + 1))]
    heard: list[int] = []
    raw = read_table(_workbook(tmp_path / "e.xlsx", {"S": cells}), on_rows=heard.append)
    assert heard == counts
    assert raw.table.num_rows == sheet_rows - 1


def test_xlsx_inside_a_zip_reports_the_rows_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(excel_parquet_jsonl, "XLSX_ROWS_PER_REPORT", 4)
    cells = [("A1", "user_id"), *((f"A{row}", f"u{row}") for row in range(2, 10))]
    book = _workbook(tmp_path / "e.xlsx", {"S": cells})
    with zipfile.ZipFile(tmp_path / "e.zip", "w") as archive:
        archive.write(book, "e.xlsx")
    heard: list[int] = []
    assert read_table(tmp_path / "e.zip", on_rows=heard.append).format == "xlsx"
    assert heard == [4, 8, 9]


def test_xlsx_is_recognised_whatever_the_temporary_name(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "orders.xlsx", {"S": [("A1", "user_id"), ("A2", "u1")]})
    renamed = path.rename(tmp_path / "upload_3f2a.tmp")
    raw = read_table(renamed, display_name="orders.xlsx")
    assert (raw.format, raw.source_name) == ("xlsx", "orders.xlsx")
    assert _rows(raw) == [["u1"]]


def test_old_xls_is_refused_with_a_hint(tmp_path: Path) -> None:
    src = _write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    with pytest.raises(InputError, match=r"\.xls.*save it as \.xlsx"):
        read_table(src)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(InputError, match="the file is empty") as info:
        read_table(_write(tmp_path, "tmp123.csv", content), display_name="events.csv")
    assert info.value.file == "events.csv"


@pytest.mark.parametrize(
    "content",
    [
        b"user_id,item_id\n\x00\x00\x00\x01\x02",
        random.Random(3).randbytes(5_003),
    ],
)
def test_binary_named_csv(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(InputError, match="does not look like a text table"):
        read_table(_write(tmp_path, "photo.csv", content))


def test_file_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _write(tmp_path, "big.csv", "a,b\n" + "1,2\n" * 300_000)
    with pytest.raises(InputError, match=r"file is 1\.1 MB, over the limit of 1\.0 MB") as info:
        read_table(src, max_bytes=2**20)
    assert "SEQREC_MAX_UPLOAD_MB" in (info.value.hint or "")
    monkeypatch.setenv("SEQREC_MAX_UPLOAD_MB", "0.5")
    with pytest.raises(InputError, match=r"over the limit of 0\.5 MB"):
        read_table(src)
    monkeypatch.setenv("SEQREC_MAX_UPLOAD_MB", "2")
    assert read_table(src).table.num_rows == 300_000


def test_invalid_size_setting_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQREC_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ConfigError, match="SEQREC_MAX_UPLOAD_MB"):
        read_table(_write(tmp_path, "a.csv", "a,b\n1,2\n"))


def test_missing_file_names_only_the_display_name(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as info:
        read_table(tmp_path / "nope.csv", display_name="mine.csv")
    assert str(tmp_path) not in str(info.value)


def test_bytes_that_break_the_utf8_bom_promise(tmp_path: Path) -> None:
    src = _write(tmp_path, "bad.csv", b"\xef\xbb\xbfa,b\n1,2\n3,\xe9\n")
    with pytest.raises(InputError, match="UTF-8 marker") as info:
        read_table(src)
    assert info.value.line == 3


# --- previews ---------------------------------------------------------------------------------


def test_sample_rows_reads_only_the_start(tmp_path: Path) -> None:
    lines = ["user_id,item_id,note"] + [f'u{i},i{i},"n\n{i}"' for i in range(60_007)]
    src = _write(tmp_path, "many.csv", "\n".join(lines) + "\n")
    assert src.stat().st_size > 2**20
    raw = read_table(src, sample_rows=13)
    assert raw.table.num_rows == 13
    assert raw.table.column("note")[12].as_py() == "n\n12"
    assert _lines(raw) == list(range(2, 27, 2))


def test_sample_rows_of_a_gzip_file(tmp_path: Path) -> None:
    text = "user_id,item_id\n" + "".join(f"u{i},i{i}\n" for i in range(200_000))
    src = _write(tmp_path, "many.csv.gz", gzip.compress(text.encode()))
    raw = read_table(src, sample_rows=7)
    assert _rows(raw)[-1] == ["u6", "i6"]
    assert _lines(raw) == list(range(2, 9))


def test_sample_rows_of_jsonl_parquet_and_xlsx(tmp_path: Path) -> None:
    jsonl = _write(tmp_path, "e.jsonl", "".join(f'{{"u": {i}}}\n' for i in range(50)))
    assert read_table(jsonl, sample_rows=5).table.column("u").to_pylist() == [0, 1, 2, 3, 4]
    pq.write_table(pa.table({"u": list(range(50))}), tmp_path / "e.parquet")
    assert read_table(tmp_path / "e.parquet", sample_rows=5).table.num_rows == 5
    cells = [("A1", "user_id")] + [(f"A{r}", r) for r in range(2, 40)]
    raw = read_table(_workbook(tmp_path / "e.xlsx", {"S": cells}), sample_rows=5)
    assert _lines(raw) == [2, 3, 4, 5, 6]
