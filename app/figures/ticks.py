"""Tick labels for log axes: 10⁻³, 10⁻², … (Unicode superscripts, so every renderer shows them).

Plotly's own log ticks label the 2× and 5× minor ticks of a short range with bare "2", "5"
("5, 2, 1, 5, 2" under a sweep). `log_ticks` gives explicit tickvals (data values, as a log
axis takes them) and ticktext instead: the powers of ten within the range, plus 2× and 5× of
them (as "2×10⁻³") only when the range holds fewer than two decades.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
MAX_DECADE_TICKS = 8  # more decades than this: label every 2nd, 3rd … power
TINY = 1e-16  # floor for "loss above the minimum" on log axes


def power_label(exponent: int, mantissa: int = 1) -> str:
    """'10⁻³' for (−3), '2×10⁻³' for (−3, 2); between 1 and 100 plain digits ('1', '20')."""
    if 0 <= exponent <= 1:
        return f"{mantissa * 10**exponent}"
    power = "10" + str(exponent).translate(SUPERSCRIPTS)
    return power if mantissa == 1 else f"{mantissa}×{power}"


def log_ticks(values: Iterable[float]) -> dict:
    """{'tickmode': 'array', 'tickvals': […], 'ticktext': […]} for a log axis showing `values`
    (finite positive ones count; none: the decade 1 … 10)."""
    finite = [float(v) for v in values if math.isfinite(v) and v > 0]
    lo, hi = (min(finite), max(finite)) if finite else (1.0, 10.0)
    e0, e1 = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    e1 = max(e1, e0 + 1)
    every = max(1, math.ceil((e1 - e0 + 1) / MAX_DECADE_TICKS))
    ticks = [(e, 1) for e in range(e0, e1 + 1) if (e - e0) % every == 0]
    if e1 - e0 < 2:  # a short range: 2× and 5× too, where they fall inside it
        ticks += [(e, m) for e in range(e0, e1) for m in (2, 5) if lo <= m * 10.0**e <= hi]
        ticks.sort(key=lambda t: t[1] * 10.0 ** t[0])
    return {
        "tickmode": "array",
        "tickvals": [float(f"{m * 10.0**e:.12g}") for e, m in ticks],
        "ticktext": [power_label(e, m) for e, m in ticks],
    }


def log_axis(title: str, values, **extra) -> dict:
    """A log axis titled `title`, labelled 10⁻³, 10⁻², … over the range of `values`."""
    return {"type": "log", "title": {"text": title}, **log_ticks(np.ravel(values)), **extra}


def lr_axis(values, title: str = "learning rate (log scale)", **extra) -> dict:
    return log_axis(title, values, **extra)
