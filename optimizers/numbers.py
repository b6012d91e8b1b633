"""The one number formatter of the app: every number a sentence, a table or a chart shows.

    num(v)            3 significant digits; 0.001 ≤ |v| < 100 000 in plain digits (thousands
                      spaced: 12 300), otherwise d.dd × 10ⁿ; a real minus sign (−); ∞ / −∞ for
                      infinities and "undefined" for NaN (never "nan" or "inf").
    num(v, scale=s)   float noise first rounded to zero: |v| ≤ NOISE·|s| gives "0" (a minimum
                      at (−1.31, −6.23e−16) on a map a few units wide is at (−1.31, 0)).
    point(p, scale)   "(x, y)" with both coordinates through num, noise relative to `scale`
                      (default: the point's larger coordinate).
    count(n)          a whole number with spaced thousands: 1 000.

Pure Python, no NumPy needed by the caller (NumPy scalars are accepted).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

NOISE = 1e-9  # relative size below which a value is float noise around zero
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MINUS = "−"


def clean(v: float, scale: float | None = None) -> float:
    """v, or 0.0 when |v| ≤ NOISE·|scale| (float noise around zero at that scale)."""
    v = float(v)
    if scale is not None and math.isfinite(v) and abs(v) <= NOISE * abs(float(scale)):
        return 0.0
    return v


def num(v: float, scale: float | None = None) -> str:
    """v with 3 significant digits (see the module docstring)."""
    v = clean(v, scale)
    if math.isnan(v):
        return "undefined"
    if math.isinf(v):
        return "∞" if v > 0 else MINUS + "∞"
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.2e}".split("e")
    power = int(exponent)
    if power < -3 or power >= 5:
        return f"{_trim(mantissa)} × 10{str(power).translate(_SUPERSCRIPT)}".replace("-", MINUS)
    digits = float(mantissa) * 10.0**power
    if abs(digits) >= 1000:
        return count(round(digits))
    return _trim(f"{digits:.{max(0, 2 - power)}f}").replace("-", MINUS)


def _trim(text: str) -> str:
    """'1.50' → '1.5', '2.00' → '2' (trailing zeros carry no information at 3 digits)."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def point(p: Sequence[float], scale: float | None = None) -> str:
    """'(x, y)' with 3 significant digits each; noise relative to `scale` (default max |x|, |y|)."""
    x, y = float(p[0]), float(p[1])
    if scale is None:
        scale = max(abs(x), abs(y)) if math.isfinite(x) and math.isfinite(y) else None
    return f"({num(x, scale)}, {num(y, scale)})"


def count(n: int) -> str:
    """A whole number with thin-spaced thousands: 1000 → '1 000', −12345 → '−12 345'."""
    return f"{int(n):,}".replace(",", " ").replace("-", MINUS)


def plural(n: int, word: str) -> str:
    """'1 step', '2 steps', '1 000 steps': the count, then the word with an s unless n is 1."""
    return f"{count(n)} {word}{'' if n == 1 else 's'}"
