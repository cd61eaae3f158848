"""The data-quality vocabulary: rejection reasons, warnings and the ValidationReport.

Every row read from a source is either accepted or rejected for exactly one reason;
`rows_read == rows_accepted + rows_rejected` always holds. Warnings flag rows that were
kept but deserve a look (an absurdly active user, an unknown event word, ...).
`short_list` is how every ingest message names many things (columns, sheets, files).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

# Rejection reasons, in the order they are checked (the first that applies wins).
REJECT_REASONS: Final[dict[str, str]] = {
    "malformed_row": "the record has the wrong number of fields",
    "missing_user_id": "the user id is empty",
    "missing_item_id": "the item id is empty",
    "id_in_scientific_notation": "the id was turned into scientific notation by a spreadsheet",
    "unparseable_timestamp": "the timestamp could not be read",
    "out_of_range_time": "the timestamp lies before 1971 or in the future",
    "cancellation": "the invoice is a cancellation (invoice number starts with C)",
    "return": "the quantity is negative (a return)",
    "exact_duplicate": "the row repeats an earlier row exactly",
    # Not checked at ingest: a dataset version without some users (`user_exclusion`).
    "excluded_user": "the user was left out of this version of the dataset (e.g. a bot)",
}

REJECT_HINTS: Final[dict[str, str]] = {
    "malformed_row": "check the delimiter and quoting of these lines",
    "missing_user_id": "anonymous events cannot form a sequence; fill the id or drop the rows",
    "missing_item_id": "fill the item id or drop the rows",
    "id_in_scientific_notation": "re-export the column as text (the digits are lost in the file)",
    "unparseable_timestamp": "use ISO 8601 (2024-05-31T14:02:00Z) or epoch seconds",
    "out_of_range_time": "check the clock or time unit of the exporting system",
    "cancellation": "cancellations are not shopping intent; nothing to do",
    "return": "returns are not shopping intent; nothing to do",
    "exact_duplicate": "the exporter probably wrote the row twice; nothing to do",
    "excluded_user": "nothing to do; the original dataset still holds these rows",
}

MAX_EXAMPLES: Final = 5
MAX_LISTED: Final = 20  # names a message lists before "… and N more"


def short_list(names: Sequence[str], limit: int = MAX_LISTED) -> str:
    """`a, b, c`, or the first `limit` names then `… and 19,980 more` (messages stay short)."""
    shown = ", ".join(names[:limit])
    return f"{shown} … and {len(names) - limit:,} more" if len(names) > limit else shown


@dataclass(frozen=True)
class Issue:
    """One example of a rejected or flagged row."""

    line: int | None
    column: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class Flag:
    """A warning about rows that were kept: a code, a sentence, a count and examples."""

    code: str
    message: str
    count: int = 0
    examples: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class ValidationReport:
    """What happened to every row of one ingested source."""

    source_name: str
    format: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    examples: dict[str, list[Issue]]
    warnings: list[Flag]
    column_mapping: dict[str, str]
    events_by_type: dict[str, int]
    unknown_event_types: dict[str, int]
    users: int
    items: int
    catalog_items: int = 0
    time_min: str | None = None
    time_max: str | None = None
    timestamp_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool = True
    duplicate_of: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        """Inverse of `to_dict` (unknown keys are ignored, for forward compatibility)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["examples"] = {
            reason: [Issue(**issue) for issue in issues]
            for reason, issues in data.get("examples", {}).items()
        }
        values["warnings"] = [
            Flag(**{**w, "examples": [Issue(**i) for i in w.get("examples", [])]})
            for w in data.get("warnings", [])
        ]
        return cls(**values)
