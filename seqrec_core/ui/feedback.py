"""Showing expected errors: a `SeqRecError` becomes an `st.error` box, never a traceback.

Anything that is not a `SeqRecError` is a bug and is left to surface.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import streamlit as st

from seqrec_core.errors import InputError, SeqRecError

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#~$|])")


def plain(text: object) -> str:
    """Text safe to put into Streamlit markdown (file names, values, messages)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def error_text(error: SeqRecError) -> str:
    """The markdown shown for an error: where and what on one line, then the fix."""
    if isinstance(error, InputError):
        where = [error.file or ""]
        if error.line is not None:
            where.append(f"line {error.line}")
        if error.column:
            where.append(f"column '{error.column}'")
        place = ", ".join(part for part in where if part)
        text = f"**{plain(place)}:** {plain(error.message)}" if place else plain(error.message)
        if error.hint:
            text += f"  \nWhat to do: {plain(error.hint)}"
        return text
    return plain(error)


def show_error(error: SeqRecError) -> None:
    """Draw a user-facing error: what went wrong, where, and what to do."""
    st.error(error_text(error), icon=":material/error:")


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Run a block; a SeqRecError raised in it is shown with `show_error` and stops it."""
    try:
        yield
    except SeqRecError as error:
        show_error(error)
