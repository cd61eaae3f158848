"""The review report's page: its style sheet, escaped text and tables, and the HTML shell.

Every value from the data goes through `esc`; every number in a table through
`report.numbers` (counts with separators, other numbers to 3 significant digits) unless
the column says otherwise. Settings are shown as saved in the run's JSON ("1e-12", not
"0.0000"). The page fits any window from a phone to 1,280 px and more: the body has a
max width, tables wrap their cells or scroll inside their box, figures take the width
they are given (`figure_book`). plotly.js is embedded once, in the head.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from seqrec_core.report.figure_book import FigureBook
from seqrec_core.report.numbers import DASH, count, significant
from seqrec_core.report.plotly_bundle import plotly_js

Format = Callable[[float], str]
_EXPONENT = re.compile(r"e\+?(-?)0*(\d)")  # Python's "1e-08" → "1e-8"

CSS = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1.5em;color:#222;line-height:1.45;overflow-wrap:break-word}
h1{font-size:1.7em}h2{border-bottom:2px solid #4C78A8;padding-bottom:.2em;margin-top:2em}
.table-box{max-width:100%;overflow-x:auto;margin:.6em 0}
table{border-collapse:collapse;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{background:#f3f5f8}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure.chart{margin:1em 0;max-width:100%}.plot{width:100%}
figcaption,.note{color:#555;font-size:.92em}
.warn{background:#fff4e5;border-left:4px solid #F58518;padding:.4em .8em}
.verdict{font-size:1.15em;border-left:6px solid #54A24B;background:#f1f8ef;padding:.6em 1em}
.verdict.conditions{border-color:#F58518;background:#fff4e5}
.verdict.reject{border-color:#E45756;background:#fdecec}
details{margin:.8em 0}summary{cursor:pointer;font-weight:600}
dl.terms dt{font-weight:600}dl.terms dd{margin:0 0 .5em 1.2em}
.sign td{height:2.2em;min-width:14em}section.user{page-break-before:always}
@media print{body{max-width:none;margin:0}details{display:block}}
"""


def esc(value: object) -> str:
    """HTML-escaped text of any value."""
    return html.escape(str(value), quote=True)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _cell(value: object, form: Format | None) -> str:
    """One table cell: numbers formatted for people and right-aligned, text escaped."""
    if _missing(value):
        return f"<td>{DASH}</td>"
    if isinstance(value, bool | np.bool_):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float | np.integer | np.floating):
        if form is None:
            form = count if isinstance(value, int | np.integer) else significant
        return f"<td class='num'>{esc(form(float(value)))}</td>"
    return f"<td>{esc(value)}</td>"


def table(frame: pd.DataFrame, formats: Mapping[str, Format] | None = None) -> str:
    """A frame as an escaped HTML table in a box that scrolls when it is too wide.

    Args:
        frame: the rows; integers are shown as counts, other numbers to 3 significant digits.
        formats: column → formatter from `report.numbers` (e.g. `percent`) instead.
    """
    formats = formats or {}
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    forms = [formats.get(str(c)) for c in frame.columns]
    rows = [
        "<tr>" + "".join(_cell(v, f) for v, f in zip(record, forms, strict=True)) + "</tr>"
        for record in frame.itertuples(index=False)
    ]
    return (
        f"<div class='table-box'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def setting_text(value: object) -> str:
    """A setting exactly as saved in the run's JSON, written plainly: 1e-12 → "1e-12",
    1e-08 → "1e-8", 0.5 → "0.5", 5.0 → "5", 64 → "64", True → "true", text as is, lists
    and mappings as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        whole = value.is_integer() and abs(value) < 1e15
        return str(int(value)) if whole else _EXPONENT.sub(r"e\1\2", repr(value))
    return json.dumps(value)


def settings_table(values: Mapping[str, object]) -> str:
    """Settings (name → value, shown as saved) as a two-column table."""
    frame = pd.DataFrame(
        {"setting": list(values), "value": [setting_text(v) for v in values.values()]}
    )
    return table(frame)


def facts_table(values: Mapping[str, str]) -> str:
    """Facts already written for people (name → text) as a two-column table."""
    return table(pd.DataFrame({"what": list(values), "value": list(values.values())}))


def page(title: str, body: str, book: FigureBook) -> str:
    """The whole report: head with style and plotly.js (once), body, figure script.

    Args:
        title: the document title (text; escaped here).
        body: the sections' HTML.
        book: the figures the body refers to.
    """
    bundle = plotly_js(book.trace_types)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f"<script>{bundle.source}</script></head>"
        f"<body>{body}{book.script()}</body></html>\n"
    )


_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks for emphasis, turned into <b> after escaping


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char in (_OPEN, _CLOSE):
            depth += 1 if char == _OPEN else -1
            if depth not in (0, 1):
                return False
    return depth == 0


def rich_text(build: Callable[[Callable[[str], str]], str]) -> str:
    """A sentence from `explain.sentences` as safe HTML, its emphasised names in bold.

    Every part of the sentence is escaped (unknown event types and item titles come from
    the data), then the emphasis marks become `<b>` tags; marks that do not pair up (text
    containing them) are dropped rather than trusted.

    Args:
        build: makes the sentence given an emphasis function, e.g.
            `lambda em: verdict_sentence(expl, names, em)`.
    """
    safe = esc(build(lambda name: f"{_OPEN}{name}{_CLOSE}"))
    if _balanced(safe):
        return safe.replace(_OPEN, "<b>").replace(_CLOSE, "</b>")
    return safe.replace(_OPEN, "").replace(_CLOSE, "")
