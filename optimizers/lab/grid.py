"""Learning-rate grids: the textbook "try rates on an exponential grid", as data.

    decade_grid(10, 1e-4)            -> 10, 1, 0.1, …, 1e-4        (the default sweep)
    decade_grid(1, 1e-3, (1, 3))     -> 1, 0.3, 0.1, 0.03, …, 1e-3  (the "1-3" spacing)
    parse_lr_grid("1, 0.3, 0.1")     -> array([1. , 0.3, 0.1])

Grids run from the largest rate down (as a student reads a sweep: "too big … too small").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Array = np.ndarray

MAX_RATES = 64
LR_LIMITS = (1e-12, 1e6)


def decade_grid(hi: float = 10.0, lo: float = 1e-4, per_decade: Sequence[float] = (1.0,)) -> Array:
    """Rates m·10^k for each mantissa m in `per_decade` (in [1, 10)), within [lo, hi], descending.

    per_decade=(1,) gives whole decades, (1, 3) the 1-3 spacing, (1, 2, 5) the 1-2-5 one.
    """
    hi, lo = float(hi), float(lo)
    if not (0 < lo <= hi and np.isfinite(hi)):
        raise ValueError(f"need 0 < lo ≤ hi, got lo={lo!r}, hi={hi!r}")
    mantissas = np.asarray(per_decade, dtype=np.float64)
    if mantissas.size == 0 or not ((mantissas >= 1) & (mantissas < 10)).all():
        raise ValueError("per-decade mantissas must lie in [1, 10)")
    exponents = np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)) + 1)
    rates = np.unique(np.round(np.outer(10.0**exponents, mantissas).ravel(), 12))
    keep = (rates >= lo * (1 - 1e-9)) & (rates <= hi * (1 + 1e-9))
    return rates[keep][::-1].copy()


DEFAULT_LRS = decade_grid(10.0, 1e-4)
DEFAULT_LRS.flags.writeable = False  # shared by every caller: read-only, never copied


def parse_lr_grid(text: str, *, max_rates: int = MAX_RATES) -> Array:
    """Rates from user text like "1, 0.3, 0.1" or "1e-3 3e-3" (commas and/or spaces).

    Each entry must be a plain number in [1e-12, 1e6]; duplicates are dropped; the order is
    descending. Raises ValueError naming the offending entry (never evaluates the text).
    """
    if not isinstance(text, str):
        raise ValueError("the learning-rate list must be text such as '1, 0.3, 0.1'")
    if len(text) > 20 * max_rates:
        raise ValueError(f"the learning-rate list is too long (at most {max_rates} rates)")
    tokens = text.replace(",", " ").replace(";", " ").split()
    if not tokens:
        raise ValueError("enter at least one learning rate, e.g. '1, 0.3, 0.1'")
    if len(tokens) > max_rates:
        raise ValueError(f"at most {max_rates} learning rates, got {len(tokens)}")
    rates = [_parse_rate(token) for token in tokens]
    return np.unique(rates)[::-1].copy()


def _parse_rate(token: str) -> float:
    try:
        rate = float(token)
    except ValueError:
        raise ValueError(f"{token!r} is not a number (write rates like 0.1 or 1e-3)") from None
    low, high = LR_LIMITS
    if not (np.isfinite(rate) and low <= rate <= high):
        raise ValueError(f"learning rate {token} must be between {low:g} and {high:g}")
    return rate
