"""Streamlit helpers shared by the pages: the only part of seqrec_core that imports streamlit.

Shared by every page:

- `state`: the session-state keys (ids only) and their mirroring in the URL.
- `sidebar`: the sidebar app.py draws: workspace and dataset picker.
- `navigation`: the pages as `st.Page` objects, and links between them.
- `loaders`: cached loaders (workspace, previews, dataset profiles, rejected rows).
- `feedback`: expected errors shown as an error box, never a traceback.
- `serve`: starts the Streamlit server on app.py.

Pickers shared by the model pages:

- `model_pickers`: the trained-run picker and the cached run loaders.
- `shopper_picker`: the one shopper picker (search by id) of Explain, Profile, Recommend.

One page each:

- Data: `data_form` (sample, upload, column mapping, ingest form), `uploads` (the upload
  temp files), `data_views` (validation report and dataset profile) and `item_text_views`
  (item text: template, reading with the language model, map, similar products) and
  `embeddings_upload_views` (the user's own item embeddings).
- Train: `train_views` (training form), `train_runs_views` (verdict, live progress, run
  history), `run_table_views` (the run table's columns) and `run_text_views` (a run's item
  text and its results on new products).
- Explain: `explain_views` (loaders, shopper orders, settings form), `explain_sections`
  (the blocks it draws), `explain_audit` (the audit over many shoppers) and
  `review_views` (the review report).
- Profile: `profile_views` (the cached graph, cards, charts, ego graph, similar shoppers).
- Shoppers: `shoppers_views` (lookalike builder, customer map, segments, vector export).
- Recommend: `recommend_views` (filters, lists, segment preview), `filter_link` (the
  filters in the page link), `recommend_shopper_views` (the one-shopper tab, a fragment)
  and `whatif_views` (the what-if editor).
- Search: `search_views` (query box, the two result lists, search metrics).
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
