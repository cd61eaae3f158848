"""Ids that look alike but are different strings, so they silently split one user or item.

Two ids look alike when they are equal once Unicode-normalised (NFKC: full-width digits,
composed or decomposed accents) and stripped of zero-width characters (U+200B, U+200C,
U+200D, U+FEFF) and surrounding whitespace (a tab survives the trim of `column_casts`). An
id that mixes Latin letters with Cyrillic or Greek ones (a Cyrillic 'а' in 'аlice') is
flagged on its own, as no table of confusable letters is kept. Rows are never changed: the
report counts the ids and their rows and shows examples with the odd characters written as
code points (`u1<U+200B>`).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Final

import duckdb
import pyarrow as pa

from seqrec_core.ingest.quality import MAX_EXAMPLES, Flag, Issue

_ZERO_WIDTH: Final = {ord(c): None for c in "\u200b\u200c\u200d\ufeff"}
_OTHER_SCRIPTS: Final = ("CYRILLIC", "GREEK")
_FIELDS: Final = {"user_id": "user", "item_id": "item"}
# Ids of printable ASCII only are their own normal form; only the others need Python.
_ODD_ID: Final = "[^ -~]"


@dataclass(frozen=True)
class _Id:
    """One distinct id of the accepted rows: its first line and how many rows carry it."""

    value: str
    line: int
    rows: int


def lookalike_flags(con: duckdb.DuckDBPyConnection, *, show_user_examples: bool) -> list[Flag]:
    """Warnings about look-alike user and item ids among the accepted rows of `classified`.

    Args:
        con: a connection holding `classified` (see `row_validation`).
        show_user_examples: False when user ids will be pseudonymised: the counts are
            given, the ids themselves are not.
    """
    flags: list[Flag] = []
    for field in _FIELDS:
        odd = _ids(con, field, f"regexp_matches({field}, '{_ODD_ID}')")
        shown = show_user_examples or field != "user_id"
        flags += _lookalikes(con, field, odd, shown)
        flags += _mixed_scripts(field, odd, shown)
    return flags


def escaped(value: str) -> str:
    """The id with every character outside printable ASCII written as `<U+200B>`."""
    return "".join(c if " " <= c <= "~" else f"<U+{ord(c):04X}>" for c in value)


def _skeleton(value: str) -> str:
    return unicodedata.normalize("NFKC", value.translate(_ZERO_WIDTH)).strip()


def _ids(con: duckdb.DuckDBPyConnection, field: str, condition: str) -> list[_Id]:
    rows = con.execute(
        f"SELECT {field}, min(_line), count(*) FROM classified "
        f"WHERE _reason IS NULL AND {condition} GROUP BY 1 ORDER BY 2"
    ).fetchall()
    return [_Id(value, int(line), int(count)) for value, line, count in rows]


def _lookalikes(
    con: duckdb.DuckDBPyConnection, field: str, odd: list[_Id], shown: bool
) -> list[Flag]:
    groups: dict[str, list[_Id]] = {}
    for found in odd:
        groups.setdefault(_skeleton(found.value), []).append(found)
    missing = [key for key, group in groups.items() if all(i.value != key for i in group)]
    if missing:  # plain ids that an odd one looks like, e.g. 'u1' for 'u1<U+200B>'
        con.register("_lookalike_keys", pa.table({"key": pa.array(missing, pa.string())}))
        for plain in _ids(con, field, f"{field} IN (SELECT key FROM _lookalike_keys)"):
            groups[plain.value].append(plain)
        con.unregister("_lookalike_keys")
    pairs = sorted(
        (pair for key, group in groups.items() for pair in _variants(key, group)),
        key=lambda pair: pair[0].line,
    )
    if not pairs:
        return []
    noun = _FIELDS[field]
    examples = [
        Issue(v.line, field, escaped(v.value), _looks_like(v.value, like.value))
        for v, like in pairs[:MAX_EXAMPLES]
    ]
    return [
        Flag(
            f"lookalike_{field}",
            f"{len(pairs):,} {noun} id(s) look the same as another {noun} id but differ in "
            f"Unicode form, zero-width characters or a surrounding tab; they were kept as "
            f"separate {noun}s — if they are the same {noun}, clean the ids where they are "
            f"exported" + _withheld(shown),
            sum(v.rows for v, _ in pairs),
            examples if shown else [],
        )
    ]


def _variants(key: str, group: list[_Id]) -> list[tuple[_Id, _Id]]:
    """(variant, the id it looks like) for a group of ids with one skeleton."""
    if len(group) < 2:
        return []
    # The id written in normal form is the reference, else the one on most rows.
    reference = max(group, key=lambda i: (i.value == key, i.rows, -i.line))
    return [(i, reference) for i in group if i is not reference]


def _looks_like(variant: str, reference: str) -> str:
    apart = (Counter(variant) - Counter(reference)) + (Counter(reference) - Counter(variant))
    odd = [c for c in apart if not " " <= c <= "~"][:3]
    return f"looks like {escaped(reference)!r}; differs by {', '.join(map(_code_point, odd))}"


def _mixed_scripts(field: str, odd: list[_Id], shown: bool) -> list[Flag]:
    mixed = [(found, letters) for found in odd if (letters := _foreign_letters(found.value))]
    if not mixed:
        return []
    noun = _FIELDS[field]
    examples = [
        Issue(i.line, field, escaped(i.value), f"mixes Latin with {', '.join(letters)}")
        for i, letters in mixed[:MAX_EXAMPLES]
    ]
    return [
        Flag(
            f"mixed_script_{field}",
            f"{len(mixed):,} {noun} id(s) mix Latin letters with Cyrillic or Greek ones that "
            "may look the same (kept as they are; often a typing slip or a spoofed id — "
            "check them where they are exported)" + _withheld(shown),
            sum(i.rows for i, _ in mixed),
            examples if shown else [],
        )
    ]


def _foreign_letters(value: str) -> list[str]:
    """The Cyrillic or Greek letters of an id that also holds Latin ones (else none)."""
    names = {c: unicodedata.name(c, "") for c in _skeleton(value) if c.isalpha()}
    if not any("LATIN" in name for name in names.values()):
        return []
    return [_code_point(c) for c, name in names.items() if name.startswith(_OTHER_SCRIPTS)][:3]


def _code_point(char: str) -> str:
    """`U+200B ZERO WIDTH SPACE`."""
    name = unicodedata.name(char, "TAB" if char == "\t" else "control character")
    return f"U+{ord(char):04X} {name}"


def _withheld(shown: bool) -> str:
    return "" if shown else " (no examples: the user ids are pseudonymised)"
