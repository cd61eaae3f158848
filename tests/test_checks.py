"""Config-field checks: messages name the field, value and range; config modules skip torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from seqrec_core.checks import check_choice, check_range
from seqrec_core.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_check_range_names_field_value_and_bounds() -> None:
    with pytest.raises(ConfigError) as caught:
        check_range("batch_size", 0, 1, 4096, model="TrainConfig")
    assert str(caught.value) == "TrainConfig.batch_size = 0 is outside the allowed range 1..4096"


def test_check_range_without_upper_bound_or_model() -> None:
    with pytest.raises(ConfigError) as caught:
        check_range("grad_clip", -0.5, 0.0)
    assert str(caught.value) == "grad_clip = -0.5 is outside the allowed range ≥ 0.0"


def test_check_range_accepts_both_bounds() -> None:
    check_range("dropout", 0.0, 0.0, 0.95)
    check_range("dropout", 0.95, 0.0, 0.95)
    check_range("patience", 10**9, 1)


def test_check_range_rejects_above_upper_bound() -> None:
    with pytest.raises(ConfigError, match=r"SASRecConfig\.max_len = 5000 .* 1\.\.4096"):
        check_range("max_len", 5000, 1, 4096, model="SASRecConfig")


def test_check_choice_names_field_value_and_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        check_choice("device", "tpu", ("auto", "cpu", "cuda"), model="TrainConfig")
    assert str(caught.value) == "TrainConfig.device = 'tpu' is not one of auto, cpu, cuda"
    check_choice("device", "cpu", ("auto", "cpu", "cuda"))


@pytest.mark.parametrize("module", ["seqrec_core.training.config", "seqrec_core.explain.options"])
def test_config_modules_import_without_torch(module: str) -> None:
    """Regression: both imported `check_range` from `models.base`, which loads torch."""
    probe = f"import sys, {module}; print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False", done.stderr
