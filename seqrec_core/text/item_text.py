"""An item's text, built from its catalog fields by a template a merchandiser can read and edit.

A template is one segment per line, e.g.::

    {title}
    Category: {category}
    Brand: {brand}

Each `{column}` is a catalog column. A segment whose columns are all empty for an item is
left out (so an item without a brand never reads "Brand: "), and the kept segments are
joined with ". ". `default_template` puts in every text-like column the catalog has: the
canonical ones (title, category path, brand, attributes, description) first, then the
extra text columns carried through from the upload (genres, director, cast, ...). Very
long values are cut to `MAX_CHARS` characters (the encoder reads far fewer), and counted.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from seqrec_core import schema
from seqrec_core.errors import ConfigError

# Canonical text columns in the order they read best, with the label their segment gets.
CANONICAL_TEXT: tuple[tuple[str, str], ...] = (
    ("title", ""),
    ("category", "Category: "),
    ("brand", "Brand: "),
    ("attributes", ""),
    ("description", ""),
)
MAX_CHARS = 2000  # per item text: ~400 words, above the bundled encoder's 256-token window
_NOT_TEXT = {schema.ITEM_ID, "category_id", "price", "image", "image_url", "url", "link"}
_MIN_LETTER_SHARE = 0.5  # an extra column is text when most of its values hold letters


@dataclass(frozen=True)
class ItemTexts:
    """Every catalog item's text, in catalog order."""

    item_ids: tuple[str, ...]
    texts: tuple[str, ...]
    empty: int  # items whose template gave no text
    cut: int  # items whose text was longer than MAX_CHARS and was cut

    @property
    def with_text(self) -> int:
        """Items that have some text."""
        return len(self.texts) - self.empty


def _values(column: pd.Series) -> pd.Series:
    """A column as stripped strings, "" where missing."""
    return column.astype("string").fillna("").str.strip()


def _looks_like_text(column: pd.Series) -> bool:
    """Most non-empty values contain a letter and it is not a one-value column."""
    values = _values(column)
    values = values[values != ""]
    if values.empty or values.nunique() < 2:
        return False
    return float(values.str.contains(r"[^\W\d_]", regex=True).mean()) >= _MIN_LETTER_SHARE


def text_columns(catalog: pd.DataFrame) -> list[str]:
    """The catalog's text-like columns: canonical ones first, then extra text columns."""
    canonical = [name for name, _ in CANONICAL_TEXT]
    found = [c for c in canonical if c in catalog.columns and _values(catalog[c]).ne("").any()]
    extras = [
        c
        for c in catalog.columns
        if c not in canonical
        and c not in _NOT_TEXT
        and not pd.api.types.is_numeric_dtype(catalog[c])
        and not pd.api.types.is_datetime64_any_dtype(catalog[c])
        and _looks_like_text(catalog[c])
    ]
    return found + extras


def default_template(catalog: pd.DataFrame) -> str:
    """One segment per text-like column ("" when the catalog has none)."""
    labels = dict(CANONICAL_TEXT)
    lines = []
    for column in text_columns(catalog):
        label = labels.get(column, column.replace("_", " ").capitalize() + ": ")
        lines.append(f"{label}{{{column}}}")
    return "\n".join(lines)


def template_columns(template: str) -> list[str]:
    """The `{column}` names a template uses, in order, without repeats.

    Raises:
        ConfigError: the template is not well-formed (an unmatched brace, say).
    """
    try:
        names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
    except ValueError as error:
        raise ConfigError(
            f"item text template: {error} — write columns as {{title}}; a literal brace "
            "is written twice, {{ or }}"
        ) from error
    return list(dict.fromkeys(names))


def check_template(template: str, columns: Sequence[str]) -> list[str]:
    """The template's columns, all of which must be catalog `columns`.

    Raises:
        ConfigError: malformed, uses no column, or names a column the catalog lacks.
    """
    used = template_columns(template)
    if not used:
        raise ConfigError(
            "the item text template uses no catalog column — write at least one, e.g. {title}"
        )
    unknown = [name for name in used if name not in columns]
    if unknown:
        shown = ", ".join(list(columns)[:20])
        raise ConfigError(
            f"the item text template names {', '.join(unknown)}, which the catalog does not "
            f"have — use one of: {shown}"
        )
    return used


def _segment(catalog: pd.DataFrame, line: str) -> tuple[pd.Series, pd.Series]:
    """One template line rendered for every item, and where any of its columns had a value."""
    rendered = pd.Series("", index=catalog.index, dtype="string")
    filled = pd.Series(False, index=catalog.index)
    for literal, field, _, _ in string.Formatter().parse(line):
        rendered = rendered + literal
        if field:
            values = _values(catalog[field])
            rendered = rendered + values
            filled = filled | values.ne("")
    return rendered.str.strip(), filled


def render_texts(catalog: pd.DataFrame, template: str) -> ItemTexts:
    """Every catalog item's text by `template` (see the module docstring).

    Raises:
        ConfigError: a malformed template or one naming an unknown column.
    """
    check_template(template, list(catalog.columns))
    catalog = catalog.drop_duplicates(schema.ITEM_ID).reset_index(drop=True)
    text = pd.Series("", index=catalog.index, dtype="string")
    for line in filter(None, (line.strip() for line in template.splitlines())):
        segment, filled = _segment(catalog, line)
        separator = text.ne("") & filled
        text = text + separator.map({True: ". ", False: ""}) + segment.where(filled, "")
    text = text.str.replace(r"\s+", " ", regex=True).str.replace(r"\.\.+ ", ". ", regex=True)
    long = text.str.len() > MAX_CHARS
    text = text.where(~long, text.str.slice(0, MAX_CHARS))
    return ItemTexts(
        item_ids=tuple(catalog[schema.ITEM_ID].astype("string")),
        texts=tuple(text.fillna("")),
        empty=int(text.eq("").sum()),
        cut=int(long.sum()),
    )


def catalog_items_with_text(catalog: pd.DataFrame, template: str | None = None) -> list[str]:
    """Ids of the catalog items whose text is not empty: a text model can score them."""
    template = default_template(catalog) if template is None else template
    if not template.strip() or catalog.empty:
        return []
    texts = render_texts(catalog, template)
    return [item for item, text in zip(texts.item_ids, texts.texts, strict=True) if text]
