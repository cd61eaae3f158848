"""The Recommend page's "One shopper" tab: what they are shown and why, then the what-if.

The tab opens with a plain sentence of what the shopper is shown (`recommend.sentences`),
then the list with its reasons at full width. Below it the what-if is one fragment
(`st.fragment`): the history editor and the edited list side by side, the rank diff and
the saved scenarios; an edit reruns this fragment only, not the pickers, filters, list and
segment preview around it.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from seqrec_core.recommend import sentences
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import RecommendationList, RunRecommender
from seqrec_core.recommend.whatif import rank_diff
from seqrec_core.store import Workspace
from seqrec_core.ui import recommend_views, whatif_views
from seqrec_core.ui.feedback import plain, user_errors


def shopper_tab(
    workspace: Workspace,
    dataset: str,
    run_id: str,
    engine: RunRecommender,
    user: str,
    k: int,
    filters: Filters,
) -> None:
    """The list `user` is shown by run `run_id` under `filters`, then the what-if."""
    # Shared by every session showing this shopper: the list and its graph connections.
    original, connections = recommend_views.shopper_list(
        workspace, dataset, run_id, user, k, filters
    )
    st.markdown(plain(sentences.list_sentence(user, original)))
    recommend_views.show_list(
        original, key="original", title=f"Top {k} for {user}", connections=connections
    )
    st.subheader("What if …")
    labels = whatif_views.item_labels(str(workspace.root), run_id)
    what_if(engine, run_id, user, original, labels, k, filters)


@st.fragment
def what_if(
    engine: RunRecommender,
    run_id: str,
    user: str,
    original: RecommendationList,
    labels: Mapping[str, str],
    k: int,
    filters: Filters,
) -> None:
    """The history editor and the edited list side by side, the rank diff, the scenarios;
    an edit reruns only this fragment."""
    with user_errors():
        stored = engine.user_history(user) or ()
        left, right = st.columns(2)
        with left:
            history = whatif_views.editor(engine, f"{run_id}/{user}", stored, labels)
        edited = changes = None
        with right:
            if history != stored:
                edited = engine.recommend(history, k=k, filters=filters, user=user)
                changes = rank_diff(original, edited)
                st.markdown(
                    f"**After the edit.** {plain(sentences.edit_sentence(changes, edited))}"
                )
                recommend_views.show_list(
                    edited, key="edited", title=f"Top {k} after the edit", compact=True
                )
            else:
                st.caption(
                    "Edit the history on the left (remove, move or retype an event, or add a "
                    "product) and the list is re-scored at once."
                )
        if changes is not None:
            whatif_views.show_diff(engine, changes, k)
        with st.expander("Saved scenarios, side by side", icon=":material/compare:"):
            whatif_views.scenarios(engine, f"{run_id}/{user}", history, filters, k)
