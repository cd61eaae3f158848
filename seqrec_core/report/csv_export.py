"""CSV downloads that a spreadsheet opens as text, never as formulas (OWASP CSV injection).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula
by Excel, LibreOffice and Google Sheets: a shopper id or product title such as
`=HYPERLINK("http://evil.example","click")` or `+cmd|' /C calc'!A0` would reach the
analyst's spreadsheet as live code. `csv_bytes` writes every CSV the app and the CLI hand
out: it prefixes such text with a single quote, which spreadsheets show as text and hide.
Only text is changed (in text columns and column names); numbers, negative ones included,
stay numbers. Free of torch and Streamlit.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# What makes a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """`value` with a leading `'` if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names cannot start a formula.

    Columns of numbers, booleans and dates are left as they are; in text columns
    (object, string or category dtype) only `str` cells change.
    """
    safe = frame.rename(columns=neutralize_cell)
    for position, dtype in enumerate(frame.dtypes):
        if _holds_text(dtype):
            column = safe.iloc[:, position].astype(object)
            safe.isetitem(position, column.map(neutralize_cell, na_action="ignore"))
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as UTF-8 CSV (no index), safe to open in a spreadsheet.

    Args:
        frame: any table; it is not modified.

    Returns:
        The CSV text (CRLF line ends), with formula-like text cells and column names
        prefixed by `'`.
    """
    # CRLF rows (RFC 4180), which also makes the writer quote a cell holding a bare "\r".
    text = neutralize_formulas(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8")


def _holds_text(dtype: Any) -> bool:
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )
