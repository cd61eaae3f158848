"""A deep link is the first request a freshly started server gets (a shared URL).

Regression: with a `pages/` folder beside app.py, Streamlit ran the linked page file
alone (its old pages-folder mode) until some session had run app.py's st.navigation, so
the first visitor of `/train?dataset=...` saw no sidebar and no dataset.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

FIRST_RENDER_MS = 240_000


def test_first_request_is_a_deep_link(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/train?dataset=sample-shop")
    expect(page.get_by_role("heading", name="Train")).to_be_visible(timeout=FIRST_RENDER_MS)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Workspace:")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(sidebar.get_by_role("link", name="Recommend")).to_be_visible()
    expect(sidebar.get_by_role("link", name="app")).to_have_count(0)  # no pages-folder nav
    expect(page).to_have_url(re.compile(r"/train\?dataset=sample-shop"))
