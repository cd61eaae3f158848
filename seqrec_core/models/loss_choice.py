"""Which training loss a run uses, and why, in words; importable without torch.

Below `SAMPLED_SOFTMAX_ABOVE` products a model trains with the full softmax (it scores
every product at every step, the most accurate objective); above it, with the mixed
sampled softmax (`seqrec_core.models.losses`): half of its 256 negatives are the step's
own targets, half uniform draws, log-Q corrected; its cost hardly grows with the catalog.
The threshold and the draw weigh these measurements on this 2-core CPU:

- quality where the full softmax is affordable: on Amazon Beauty (12,101 products, one
  thread, `benchmarks/beauty.py --models 'sasrec,sasrec[loss=sampled_softmax],
  sasrec[loss=mixed_softmax]' --minutes 6 --threads 1`, seeds 0 and 1) the full softmax
  reached a best validation NDCG@10 of 0.0673 and test 0.0508 (30 s an epoch, stopped by
  the 6-minute budget); the uniform draw 0.0631 / 0.0478 and 0.0625 / 0.0462, the mixed
  draw 0.0658 / 0.0489 and 0.0640 / 0.0478 (both about 4.6 s an epoch, stopped early):
  mixed beats uniform on both seeds, validation and test, at the same cost, most on
  next products bought 20-99 times in training (test NDCG@10 0.0793 / 0.0738 against
  0.0729 / 0.0702);
- speed as the catalog grows (`benchmarks/sampled_softmax.py --steps 5`, full-length
  sequences, 2 threads): full softmax 163, 38, 14 and 6 training sequences a second at
  12k, 50k, 100k and 250k products, uniform draw 1,026, 1,300, 803 and 979, mixed draw
  1,034, 1,054, 968 and 1,151 (the same within this benchmark's noise). From 50k
  products on, a full-softmax epoch costs four times Beauty's and more, and a time
  budget sees too few of them.

A `loss` set by the user always wins.
"""

from __future__ import annotations

from dataclasses import dataclass

LOSSES = ("ce", "sampled_softmax", "mixed_softmax")
SAMPLED_LOSSES = ("sampled_softmax", "mixed_softmax")  # a step reads a few items' rows only
SAMPLED_SOFTMAX_ABOVE = 50_000  # products; see the module docstring
DEFAULT_NEGATIVES = 256


def auto_loss(num_items: int) -> str:
    """The loss a model over `num_items` products trains with when the user chose none."""
    return "mixed_softmax" if num_items > SAMPLED_SOFTMAX_ABOVE else "ce"


@dataclass(frozen=True)
class LossChoice:
    """The loss a run trains with, and whether it was chosen for the user."""

    loss: str
    num_items: int
    num_negatives: int = DEFAULT_NEGATIVES
    automatic: bool = True

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (what a run's result keeps as `training_loss`)."""
        return {
            "loss": self.loss,
            "num_items": self.num_items,
            "num_negatives": self.num_negatives,
            "automatic": self.automatic,
            "reason": self.sentence(),
        }

    def sentence(self) -> str:
        """What training compares each next product with, and why, for a merchandiser."""
        catalog = f"{self.num_items:,} products"
        if self.loss == "ce":
            why = (
                f"the catalog ({catalog}) is small enough"
                if self.automatic
                else "the full comparison was chosen"
            )
            return f"Training compares each next product with every product: {why}."
        why = (
            f"the catalog has more than {SAMPLED_SOFTMAX_ABOVE:,} products ({catalog}), where "
            "comparing with all of them would make training many times slower"
            if self.automatic
            else "the sampled comparison was chosen"
        )
        if self.loss == "mixed_softmax":
            return (
                f"Training compares each next product with {self.num_negatives:,} products "
                "drawn at every step, half of them among what other shoppers picked next (so "
                "bestsellers are drawn as often as they sell) and half at random from the whole "
                f"catalog (a mixed sampled softmax): {why}."
            )
        return (
            f"Training compares each next product with {self.num_negatives:,} products drawn at "
            f"random at every step (a sampled softmax): {why}."
        )


def choose_loss(num_items: int, settings: dict[str, object]) -> LossChoice:
    """The loss of a model over `num_items` products given the user's model `settings`."""
    negatives = int(settings.get("num_negatives", DEFAULT_NEGATIVES))  # type: ignore[call-overload]
    if "loss" in settings:
        return LossChoice(str(settings["loss"]), num_items, negatives, automatic=False)
    return LossChoice(auto_loss(num_items), num_items, negatives)
