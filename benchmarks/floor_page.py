"""The least a Recommend-like page can be: what `concurrency.py` measures first (unless
`--no-floor`).

    SEQREC_FLOOR_SHOPPERS=shoppers.tsv streamlit run benchmarks/floor_page.py

`shoppers.tsv`: one "<id>\t<events>" line per shopper the picker offers.

A shopper picker with the same label and option text as the app's ("<id> · <n> events"),
opened on the link's `?user=`, and one sentence about the shopper in the app's words; no
model, no table, no chart. Eight tabs driven on it through the same steps as on Recommend
show what Streamlit itself and the browser cost on this machine, so the app's own share of
a page load is the difference.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

lines = Path(os.environ["SEQREC_FLOOR_SHOPPERS"]).read_text(encoding="utf-8").splitlines()
events = dict(line.split("\t") for line in lines)
if "user" not in st.session_state:  # the link opens its shopper, as the app's picker does
    linked = st.query_params.get("user")
    st.session_state["user"] = linked if linked in events else next(iter(events))
user = st.selectbox(
    "Shopper", list(events), key="user", format_func=lambda u: f"{u} · {events[u]} events"
)
st.query_params["user"] = user
st.markdown(f"{user} would be shown 10 products.")
