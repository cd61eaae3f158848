"""What an explanation request may ask for: methods, target, baseline, steps, checks.

Kept apart from `explanation` (and free of torch) so the CLI and the page can validate a
request before loading a model.
"""

from __future__ import annotations

from dataclasses import dataclass

from seqrec_core.checks import check_choice, check_range

METHODS = ("attention", "ig", "occlusion")
METHOD_NAMES = {
    "attention": "attention",
    "ig": "Integrated Gradients",
    "occlusion": "occlusion",
    "random": "random order",
}
BASELINES = ("padding", "mean")
# IG's completeness is visibly off when |delta| exceeds this share of |score − baseline
# score| and the absolute floor (below it, float32 noise on a tiny score gap).
LARGE_DELTA = 0.05
DELTA_FLOOR = 1e-3


@dataclass(frozen=True)
class ExplainOptions:
    """One explanation request (validated on construction)."""

    target: str | None = None  # external item id; None: the first recommendation
    methods: tuple[str, ...] | None = None  # None: every one the model supports
    baseline: str = "padding"  # IG baseline: "padding" (zero vectors) or "mean" embedding
    n_steps: int = 50  # IG integration steps
    exclude_seen: bool = True  # rank without the items already in the user's window
    faithfulness: bool = True  # deletion curves against random orders
    random_orders: int = 10  # random orders in the deletion reference
    counterfactual: bool = True  # search the smallest edit changing the first item
    seed: int = 0

    def __post_init__(self) -> None:
        m = type(self).__name__
        for method in self.methods or ():
            check_choice("methods", method, METHODS, model=m)
        check_choice("baseline", self.baseline, BASELINES, model=m)
        check_range("n_steps", self.n_steps, 2, 2000, model=m)
        check_range("random_orders", self.random_orders, 1, 1000, model=m)
