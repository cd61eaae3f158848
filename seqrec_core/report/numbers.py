"""Numbers written for people: thousands separators, percentages, 2–3 significant digits,
durations.

Every page, the review report and the CLI's sentences format figures through these, so
that "0.2834", "28.3%" and "28%" never describe the same thing on two screens.
"""

from __future__ import annotations

import math

DASH = "—"


def count(value: float | None) -> str:
    """A count with thousands separators: 59651 → "59,651"; None or NaN → "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{round(value):,}"


def significant(value: float | None, digits: int = 3) -> str:
    """`value` to `digits` significant digits, separators above 1,000: 7.121 → "7.12",
    0.000123456 → "0.000123", 12345.6 → "12,346", 52.0 → "52"; None or NaN → "—"."""
    if value is None or math.isnan(value):
        return DASH
    if value == 0 or math.isinf(value):
        return f"{value:g}" if math.isinf(value) else "0"
    if abs(value) >= 10 ** (digits - 1):
        return f"{round(value):,}"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    text = f"{round(value, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(fraction: float | None, digits: int = 2) -> str:
    """A fraction as a percentage to `digits` significant digits (at least whole
    percents): 0.2834 → "28%", 0.0123 → "1.2%", 1.3 → "130%"; None or NaN → "—"."""
    if fraction is None or math.isnan(fraction):
        return DASH
    value = fraction * 100
    if value == 0:
        return "0%"
    if abs(value) >= 10 ** (digits - 1):
        return f"{round(value):,}%"
    return f"{significant(value, digits)}%"


def share(part: float, whole: float, digits: int = 2) -> str:
    """`part` as a percentage of `whole`: share(7, 59651) → "0.012%"; a zero whole → "—"."""
    return percent(part / whole, digits) if whole else DASH


def times(ratio: float | None) -> str:
    """A multiple, for "7.5× more often than …": 7.53 → "7.5×", 12.4 → "12×"."""
    if ratio is None or math.isnan(ratio) or math.isinf(ratio):
        return DASH
    return f"{significant(ratio, 2)}×"


def duration(seconds: float | None) -> str:
    """A length of time in the unit people say it in: 0.07 → "under 1 s", 42 → "42 s",
    600 → "10 min", 9000 → "2.5 h"; None or NaN → "—"."""
    if seconds is None or math.isnan(seconds):
        return DASH
    if seconds < 1:
        return "under 1 s"
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{significant(seconds / 3600, 2)} h"
