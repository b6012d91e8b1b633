"""Formula surfaces: time to build typical and worst-case formulas, and to refuse hostile ones.

    python bench/formula.py

Prints, per typical formula, the median time of parse (checks, graph, LaTeX), derivatives +
NumPy compile, the minima/saddle search, and the whole uncached `make_formula_surface`; then the
same for the slowest accepted formulas we found (WORST_ACCEPTED in
tests/unit/test_formula_hostile.py) and the slowest refusals of the hostile corpus, best of 5.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from test_formula_hostile import HOSTILE, WORST_ACCEPTED  # noqa: E402

from surfaces import formula as F  # noqa: E402

TYPICAL = {
    "bowl": "x^2 + 3*y^2",
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "waves": "sin(x)*cos(y) + 0.1*(x^2 + y^2)",
    "wells": "-exp(-(x-1)^2 - y^2) - 0.5*exp(-(x+1.5)^2 - (y-1)^2) + 0.05*(x^2+y^2)",
    "kink": "abs(x - 1) + 2*abs(y + 0.5)",
    "flat bottom": "x^10 + y^10",
    "pole": "tan(x*y)",
}


def median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def best_ms(fn, repeat: int = 5) -> float:
    return min(median_ms(fn, 1) for _ in range(repeat))


def build_uncached(text: str) -> None:
    F._build_surface.cache_clear()
    F.make_formula_surface(text)


def stages(formulas: dict[str, str], title: str) -> None:
    """One row per formula: parse, compile, search and total (median ms)."""
    print(f"{title:34} {'parse':>7} {'compile':>8} {'search':>7} {'total':>7}  (ms, median)")
    for name, text in formulas.items():
        parsed = F.parse_formula(text)
        compiled = F._compile(parsed.graph, parsed.root)
        parse = median_ms(lambda t=text: F.parse_formula(t))
        comp = median_ms(lambda p=parsed: F._compile(p.graph, p.root))
        search = median_ms(lambda c=compiled: F._search(c, F.DEFAULT_DOMAIN), 3)
        total = median_ms(lambda t=text: build_uncached(t), 3)
        print(f"{name[:34]:34} {parse:7.2f} {comp:8.2f} {search:7.1f} {total:7.1f}")


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} (1 min)")
    stages(TYPICAL, "typical formula")
    print()
    stages(WORST_ACCEPTED, "worst accepted formula")

    def refuse(text: object) -> None:
        try:
            F.parse_formula(text)  # type: ignore[arg-type]
        except F.FormulaError:
            return
        raise AssertionError(f"not refused: {text!r}")

    times = sorted(((best_ms(lambda t=t: refuse(t)), t) for t, _, _ in HOSTILE), reverse=True)
    print(f"\nhostile corpus: {len(times)} inputs, max refusal {times[0][0]:.2f} ms; slowest:")
    for ms, text in times[:5]:
        print(f"  {ms:6.2f} ms  {str(text)[:60]!r}")


if __name__ == "__main__":
    main()
