"""SeqRec Studio: the Streamlit entry point (`streamlit run app.py`).

It sets the page config, declares the pages, draws the shared sidebar (workspace and
dataset picker, see `seqrec_core.ui.sidebar`) and runs the selected page. To add a page,
create `pages/<task>.py` and add one `st.Page` line to `PAGES` below, in the order users
work through the tool.
"""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui

st.set_page_config(
    page_title="SeqRec Studio",
    page_icon=":material/route:",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/database:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    # st.Page("pages/explain.py", title="Explain", icon=":material/psychology:"),
    st.Page("pages/profile.py", title="Profile", icon=":material/person:"),
    st.Page("pages/recommend.py", title="Recommend", icon=":material/recommend:"),
]

page = st.navigation(PAGES)
ui.draw_sidebar()
page.run()
