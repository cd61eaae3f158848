"""Which models satisfy which explainer protocol, and that their signatures match it.

The expected table is what the `hasattr` probes said before the protocols existed: the
transformers have attention maps, every neural model scores from embeddings and has a
history window, the count baselines have none of these.
"""

from __future__ import annotations

import inspect

import pytest

from seqrec_core.explain.inputs import model_window, supported_methods
from seqrec_core.explain.model_protocols import (
    AttentionModel,
    EmbeddingScoringModel,
    WindowedModel,
)
from seqrec_core.models import Recommender, build_model

NUM_ITEMS, MAX_LEN = 99, 7
SETTINGS = {
    "sasrec": {"hidden_size": 30, "num_heads": 3, "inner_size": 34},
    "bert4rec": {"hidden_size": 30, "num_heads": 3, "inner_size": 34},
    "gru4rec": {},
    "pop": {},
    "cooc": {},
}
# name → (attention, embedding scoring, window, supported methods, window length)
EXPECTED = {
    "sasrec": (True, True, True, ("attention", "ig", "occlusion"), MAX_LEN),
    "bert4rec": (True, True, True, ("attention", "ig", "occlusion"), MAX_LEN - 1),
    "gru4rec": (False, True, True, ("ig", "occlusion"), MAX_LEN),
    "pop": (False, False, False, ("occlusion",), MAX_LEN),
    "cooc": (False, False, False, ("occlusion",), MAX_LEN),
}
PROTOCOLS = (AttentionModel, EmbeddingScoringModel, WindowedModel)


def _model(name: str) -> Recommender:
    return build_model(name, num_items=NUM_ITEMS, max_len=MAX_LEN, **SETTINGS[name]).eval()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_protocol_membership_matches_the_old_probes(name: str) -> None:
    model = _model(name)
    *members, methods, window = EXPECTED[name]
    assert [isinstance(model, p) for p in PROTOCOLS] == members
    assert supported_methods(model) == methods
    assert model_window(model) == window


def _parameters(function: object) -> list[tuple[str, object, object]]:
    """(name, kind, default) of every parameter, `self` included."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_implementations_have_the_protocol_signatures(name: str) -> None:
    """Parameter names, order and defaults match, so a call through the protocol works."""
    model = _model(name)
    for protocol in PROTOCOLS:
        if not isinstance(model, protocol):
            continue
        declared_members = {m: d for m, d in vars(protocol).items() if not m.startswith("_")}
        for member, declared in declared_members.items():
            implemented = inspect.getattr_static(type(model), member)
            if isinstance(declared, property):
                assert isinstance(implemented, property), member
            else:
                assert _parameters(implemented) == _parameters(declared), member
