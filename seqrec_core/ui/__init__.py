"""Streamlit helpers shared by the pages: the only part of seqrec_core that imports streamlit.

`state` holds the session-state keys (ids only), `sidebar` draws the shared sidebar,
`loaders` the cached loaders, `feedback` the error display, `uploads` the upload temp
files, and `data_views` the validation report and profile blocks of the Data page.
"""

from seqrec_core.ui import data_views, feedback, loaders, navigation, state, uploads
from seqrec_core.ui.feedback import show_error, user_errors
from seqrec_core.ui.sidebar import current_workspace, draw_sidebar

__all__ = [
    "current_workspace",
    "data_views",
    "draw_sidebar",
    "feedback",
    "loaders",
    "navigation",
    "show_error",
    "state",
    "uploads",
    "user_errors",
]
