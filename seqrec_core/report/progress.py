"""Progress of a report in steps and counts: "Step 4 of 5 · Auditing: explained 3 of 20 shoppers".

A report spends nearly all of its time explaining shoppers (the chosen ones, then the
audit's sample), so each step weighs what it costs: one unit per shopper it explains, one
for each other step. The bar moves after every shopper, and its text names the step and
the count, never a bare "Auditing…".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

Progress = Callable[[float, str], None]  # (fraction done 0..1, message)


@dataclass(frozen=True)
class Step:
    """One step of a report.

    Attributes:
        key: how the code names it ("audit").
        label: how the bar names it ("Auditing the explanations").
        shoppers: how many shoppers it explains (0: a step that counts nothing).
    """

    key: str
    label: str
    shoppers: int = 0

    @property
    def weight(self) -> float:
        """Its share of the work, in shoppers explained (a step without any weighs one)."""
        return float(max(self.shoppers, 1))


class StepProgress:
    """Turns "step `key`, `done` of its shoppers" into a fraction and a message."""

    def __init__(self, steps: Sequence[Step], progress: Progress | None) -> None:
        """Args:
        steps: every step, in order (keys unique).
        progress: called with (fraction, message); None: report to nobody.
        """
        self._steps = {step.key: (n, step) for n, step in enumerate(steps, start=1)}
        self._progress = progress
        self._weigh()

    def _weigh(self) -> None:
        self._before: dict[str, float] = {}
        total = 0.0
        for _, step in self._steps.values():
            self._before[step.key] = total
            total += step.weight
        self._total = total or 1.0

    def resize(self, key: str, shoppers: int) -> None:
        """Step `key` explains `shoppers` after all (known once the shoppers are drawn)."""
        n, step = self._steps[key]
        self._steps[key] = (n, replace(step, shoppers=shoppers))
        self._weigh()

    def fraction(self, key: str, done: int = 0) -> float:
        """The share of the whole report done when step `key` has explained `done` shoppers."""
        _, step = self._steps[key]
        within = step.weight * min(done, step.shoppers) / step.shoppers if step.shoppers else 0.0
        return (self._before[key] + within) / self._total

    def message(self, key: str, done: int | None = None) -> str:
        """ "Step 4 of 5 · Auditing the explanations: explained 3 of 20 shoppers"."""
        n, step = self._steps[key]
        text = f"Step {n} of {len(self._steps)} · {step.label}"
        if done is not None and step.shoppers:
            text += (
                f": explained {done} of {step.shoppers} shopper{'s' if step.shoppers != 1 else ''}"
            )
        return text

    def start(self, key: str) -> None:
        """Report that step `key` begins (with "explained 0 of N" for a counting step)."""
        _, step = self._steps[key]
        self._say(key, 0 if step.shoppers else None)

    def explained(self, key: str, done: int) -> None:
        """Report that step `key` has explained `done` of its shoppers."""
        self._say(key, done)

    def finish(self, message: str = "Done") -> None:
        """Report the end: the bar full."""
        if self._progress is not None:
            self._progress(1.0, message)

    def _say(self, key: str, done: int | None) -> None:
        if self._progress is not None:
            self._progress(self.fraction(key, done or 0), self.message(key, done))
