"""Profile: one shopper seen through the knowledge graph of the catalog and the log."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.kg.shopper_profile import user_profile
from seqrec_core.ui import profile_views, shopper_picker, state

st.title("Profile")
st.caption(
    "What a shopper likes, from what they did: category and brand affinities (recent "
    "events count more, purchases more than views), price band, funnel and activity "
    "rhythm against the shop average, and interests inferred through the knowledge graph "
    "(categories, brands and attributes near their items that they have not touched yet), "
    "each with the path that justifies it, and what they searched for."
)
workspace = ui.current_workspace()
dataset = state.require_dataset()

with ui.user_errors():
    user = shopper_picker.pick_shopper(profile_views.shoppers_for(workspace, dataset))
    if user is None:
        st.stop()
    kg = profile_views.graph_around(workspace, dataset, user)
    profile = user_profile(kg, user)
    searches = profile_views.searches_of(workspace, dataset, user)

    st.header(f"Shopper {user}")
    profile_views.show_lead(profile, searches)
    profile_views.missing_note(kg)  # after what was found: the page opens with the finding
    profile_views.show_cards(profile)
    profile_views.show_charts(profile, kg.missing)

    st.subheader("Searches")
    profile_views.show_searches(searches, kg, profile_views.has_queries(workspace, dataset))

    st.subheader("Inferred interests")
    st.caption(
        "Personalized PageRank from this shopper over the graph around their items; "
        "what they already touched is left out."
    )
    profile_views.show_interests(profile)

    st.subheader("Neighbourhood in the knowledge graph")
    profile_views.show_ego(kg, user)
    profile_views.show_links(user, dataset)
    profile_views.show_similar_shoppers(workspace, dataset, user)
