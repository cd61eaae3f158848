"""SeqRec Studio: the Streamlit entry point (`streamlit run app.py`).

It sets the page config, declares the pages, draws the shared sidebar (workspace and
dataset picker, see `seqrec_core.ui.sidebar`) and runs the selected page. To add a page,
create `pages/<task>.py` and add one line to `PAGES` in `seqrec_core/ui/navigation.py`, in
the order users work through the tool.
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

page = st.navigation(ui.navigation.all_pages())
ui.draw_sidebar()
page.run()
