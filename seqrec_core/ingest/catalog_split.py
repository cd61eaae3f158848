"""The item catalog: catalog fields split off the event log, merged with a catalog file.

Inline values (a `brand` or `category_code` column in the event log) give each item
its most recent non-empty value; a separate catalog file, when given, takes precedence
field by field. Columns of the catalog file that are not catalog fields are kept.
`read_catalog_file` reads a catalog file on its own (new products for a trained run).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from seqrec_core import schema
from seqrec_core.duckdb_settings import scratch_connection
from seqrec_core.errors import InputError
from seqrec_core.ingest import column_casts
from seqrec_core.ingest.column_mapping import auto_mapping
from seqrec_core.ingest.quality import short_list
from seqrec_core.ingest.readers import RawTable

_INLINE_FIELDS = ("title", "category", "category_id", "brand", "attributes", "price")
# Catalog fields that leave the event table once split off (price is also an event field).
INLINE_ONLY_FIELDS = ("title", "category", "category_id", "brand", "attributes")


@dataclass(frozen=True)
class CatalogOutcome:
    """How the catalog was assembled."""

    items: int  # rows in the catalog
    columns: tuple[str, ...]
    file_mapping: dict[str, str]  # catalog-file column -> field
    duplicate_rows: int  # catalog-file rows repeating an item id (first one kept)


def build_inline(con: duckdb.DuckDBPyConnection, fields: tuple[str, ...]) -> tuple[str, ...]:
    """Create `inline_items` from accepted events; return the catalog fields it holds."""
    present = tuple(f for f in _INLINE_FIELDS if f in fields)
    aggregates = ", ".join(
        f"arg_max({f}, timestamp) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in present
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE inline_items AS SELECT item_id"
        + (f", {aggregates}" if aggregates else "")
        + " FROM classified WHERE _reason IS NULL GROUP BY item_id"
    )
    return present


def merge_catalog_file(
    con: duckdb.DuckDBPyConnection, raw: RawTable, inline_fields: tuple[str, ...]
) -> CatalogOutcome:
    """Create `items` from `inline_items` and a catalog file (which wins where it has a value)."""
    mapping = auto_mapping(raw.table, raw.has_header)
    by_field = {
        field: col
        for col, field in mapping.items()
        if field in (schema.ITEM_ID, *schema.CATALOG_FIELDS)
    }
    if schema.ITEM_ID not in by_field:
        raise InputError(
            "the catalog file has no item id column",
            file=raw.source_name,
            hint=f"name one of its columns item_id (found: {short_list(raw.table.column_names)})",
        )
    names = {col: f"_k{i}" for i, col in enumerate(raw.table.column_names)}
    con.register("catalog_src", raw.table.rename_columns(list(names.values())))
    selects = [f"{column_casts.identifier(names[by_field[schema.ITEM_ID]])} AS item_id"]
    for field, col in by_field.items():
        if field == schema.ITEM_ID:
            continue
        types = raw.table.schema.field(col).type
        value = (
            column_casts.number(names[col], types)
            if field == "price"
            else column_casts.text(names[col])
        )
        selects.append(f"{value} AS {field}")
    mapped = set(by_field.values())
    extras = [col for col in raw.table.column_names if col not in mapped]
    taken = set(by_field) | set(inline_fields)
    extra_names = {col: col if col not in taken else f"{col}_catalog" for col in extras}
    selects += [f"{names[col]} AS {column_casts.quote(extra_names[col])}" for col in extras]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE file_items AS SELECT * FROM (SELECT "
        + ", ".join(selects)
        + ", row_number() OVER (PARTITION BY item_id ORDER BY _row) AS _copy FROM "
        "(SELECT *, row_number() OVER () AS _row FROM catalog_src)) WHERE item_id IS NOT NULL"
    )
    con.unregister("catalog_src")
    duplicates = con.execute("SELECT count(*) FROM file_items WHERE _copy > 1").fetchall()[0][0]
    file_fields = [f for f in by_field if f != schema.ITEM_ID]
    merged = [
        f"coalesce(f.{f}, i.{f}) AS {f}" if f in inline_fields else f"f.{f} AS {f}"
        for f in file_fields
    ]
    merged += [f"i.{f} AS {f}" for f in inline_fields if f not in file_fields]
    merged += [f"f.{column_casts.quote(extra_names[col])}" for col in extras]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE items AS SELECT coalesce(f.item_id, i.item_id) AS item_id"
        + "".join(f", {m}" for m in merged)
        + " FROM (SELECT * FROM file_items WHERE _copy = 1) f"
        " FULL OUTER JOIN inline_items i ON f.item_id = i.item_id"
    )
    return _outcome(con, {col: f for f, col in by_field.items()}, duplicates)


def use_inline_only(con: duckdb.DuckDBPyConnection) -> CatalogOutcome:
    """Create `items` from the inline catalog fields alone."""
    con.execute("CREATE OR REPLACE TEMP TABLE items AS SELECT * FROM inline_items")
    return _outcome(con, {}, 0)


def _outcome(
    con: duckdb.DuckDBPyConnection, file_mapping: dict[str, str], duplicates: int
) -> CatalogOutcome:
    columns = tuple(r[0] for r in con.execute("DESCRIBE items").fetchall())
    count = con.execute("SELECT count(*) FROM items").fetchall()[0][0]
    return CatalogOutcome(
        items=int(count),
        columns=columns,
        file_mapping=file_mapping,
        duplicate_rows=duplicates,
    )


def read_catalog_file(raw: RawTable) -> tuple[pd.DataFrame, CatalogOutcome]:
    """A catalog file on its own (no event log) as a canonical catalog frame.

    The same mapping and casts as a catalog given with an ingest: `item_id` plus the
    catalog fields found, extra columns kept, the first row of a repeated id kept.

    Raises:
        InputError: the file has no item id column.
    """
    con = scratch_connection()
    try:
        con.execute("CREATE TEMP TABLE inline_items (item_id VARCHAR)")
        outcome = merge_catalog_file(con, raw, ())
        return con.execute("SELECT * FROM items").df(), outcome
    finally:
        con.close()
