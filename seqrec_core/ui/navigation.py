"""The app's pages as `st.Page` objects: app.py's navigation and links between pages.

Links pass `st.Page` objects, never path strings (with a `pages/` folder beside app.py,
strings are ambiguous to Streamlit), and carry the ids they hand over in the query
(`?dataset=...&run=...&user=...`), so a link opens the same view a URL would.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

# name → (file, title, icon), in the order users work through the tool.
PAGES: dict[str, tuple[str, str, str]] = {
    "data": ("pages/data.py", "Data", ":material/database:"),
    "train": ("pages/train.py", "Train", ":material/model_training:"),
    "explain": ("pages/explain.py", "Explain", ":material/psychology:"),
    "profile": ("pages/profile.py", "Profile", ":material/person:"),
    "shoppers": ("pages/shoppers.py", "Shoppers", ":material/groups:"),
    "recommend": ("pages/recommend.py", "Recommend", ":material/recommend:"),
    "search": ("pages/search.py", "Search", ":material/search:"),
}
_ROOT = Path(__file__).resolve().parents[2]


def available() -> list[str]:
    """The names of the pages whose file exists (a page under construction is left out)."""
    return [name for name, (path, _, _) in PAGES.items() if (_ROOT / path).is_file()]


def page(name: str) -> st.Page:
    """The `st.Page` of page `name` (the Data page is the default one)."""
    path, title, icon = PAGES[name]
    return st.Page(_ROOT / path, title=title, icon=icon, default=name == "data")


def all_pages() -> list[st.Page]:
    """Every available page, for `st.navigation`."""
    return [page(name) for name in available()]


def link(name: str, label: str, **query: str | None) -> None:
    """A link to page `name` carrying `query` (None values are left out)."""
    if name not in available():
        return
    params = {key: value for key, value in query.items() if value}
    st.page_link(page(name), label=label, icon=PAGES[name][2], query_params=params)
