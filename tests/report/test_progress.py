"""Report progress per step with counts, weighted by the shoppers each step explains."""

from __future__ import annotations

import pytest

from seqrec_core.report.progress import Step, StepProgress


def _steps() -> list[Step]:
    return [
        Step("load", "Loading"),
        Step("shoppers", "Explaining the chosen shoppers", 2),
        Step("audit", "Auditing the explanations", 5),
        Step("write", "Writing"),
    ]


def test_fractions_weigh_one_unit_per_shopper_and_per_other_step() -> None:
    steps = StepProgress(_steps(), None)  # 1 + 2 + 5 + 1 = 9 units
    assert steps.fraction("load") == 0
    assert steps.fraction("shoppers", 1) == pytest.approx(2 / 9)
    assert steps.fraction("audit", 3) == pytest.approx(6 / 9)
    assert steps.fraction("write") == pytest.approx(8 / 9)
    assert steps.fraction("audit", 99) == steps.fraction("write")  # never past the step


def test_messages_name_the_step_and_count_the_shoppers() -> None:
    said: list[tuple[float, str]] = []
    steps = StepProgress(_steps(), lambda f, m: said.append((f, m)))
    steps.start("audit")
    steps.explained("audit", 3)
    steps.start("write")
    steps.finish("Report ready")
    assert [m for _, m in said] == [
        "Step 3 of 4 · Auditing the explanations: explained 0 of 5 shoppers",
        "Step 3 of 4 · Auditing the explanations: explained 3 of 5 shoppers",
        "Step 4 of 4 · Writing",
        "Report ready",
    ]
    assert [f for f, _ in said] == sorted(f for f, _ in said) and said[-1][0] == 1.0


def test_resizing_a_step_to_the_shoppers_drawn() -> None:
    steps = StepProgress(_steps(), None)
    steps.resize("audit", 1)  # only one shopper was eligible: 1 + 2 + 1 + 1 = 5 units
    assert steps.fraction("write") == pytest.approx(4 / 5)
    assert steps.message("audit", 1).endswith("explained 1 of 1 shopper")
