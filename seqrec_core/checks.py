"""Validation of config fields, raising `ConfigError` that names the field, value and range.

Every frozen config (model, training, explanation request) validates itself in
`__post_init__` with these two checks, so a bad setting fails at construction with one
message shape: ``TrainConfig.batch_size = 0 is outside the allowed range 1..1048576``.
Free of torch, so config modules can validate a request before any model is loaded.
"""

from __future__ import annotations

from seqrec_core.errors import ConfigError


def check_range(
    name: str, value: float, low: float, high: float | None = None, *, model: str = ""
) -> None:
    """Check that `low <= value <= high` (or `low <= value` when `high` is None).

    Args:
        name: the field's name, as the message shows it.
        value: the field's value.
        low: the smallest allowed value.
        high: the largest allowed value; None: no upper bound.
        model: the config class's name, shown as the field's prefix ("" for none).

    Raises:
        ConfigError: `value` is outside the range; names the field, the value and the range.
    """
    if value < low or (high is not None and value > high):
        allowed = f"{low}..{high}" if high is not None else f"≥ {low}"
        where = f"{model}." if model else ""
        raise ConfigError(f"{where}{name} = {value!r} is outside the allowed range {allowed}")


def check_choice(name: str, value: str, choices: tuple[str, ...], *, model: str = "") -> None:
    """Check that `value` is one of `choices`.

    Args:
        name: the field's name, as the message shows it.
        value: the field's value.
        choices: the allowed values.
        model: the config class's name, shown as the field's prefix ("" for none).

    Raises:
        ConfigError: `value` is not allowed; names the field, the value and the choices.
    """
    if value not in choices:
        where = f"{model}." if model else ""
        raise ConfigError(f"{where}{name} = {value!r} is not one of {', '.join(choices)}")
