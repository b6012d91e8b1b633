"""Formula surfaces: time to build typical formulas and to refuse the hostile corpus.

    python bench/formula.py

Prints, per typical formula, the median time of parse (+ SymPy build), derivatives + NumPy
compile, the minima/saddle search, and the whole uncached `make_formula_surface`; then the
slowest refusals of the hostile corpus (tests/unit/test_formula_hostile.py), best of 5 each.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surfaces import formula as F  # noqa: E402

TYPICAL = {
    "bowl": "x^2 + 3*y^2",
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "waves": "sin(x)*cos(y) + 0.1*(x^2 + y^2)",
    "wells": "-exp(-(x-1)^2 - y^2) - 0.5*exp(-(x+1.5)^2 - (y-1)^2) + 0.05*(x^2+y^2)",
    "kink": "abs(x - 1) + 2*abs(y + 0.5)",
    "product of 25 sines (290 chars)": "*".join(f"sin(x+{i}*y)" for i in range(1, 26)),
}


def median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def best_ms(fn, repeat: int = 5) -> float:
    return 1e3 * min(median_ms(fn, 1) / 1e3 for _ in range(repeat))


def build_uncached(text: str) -> None:
    F._build_surface.cache_clear()
    F.make_formula_surface(text)


def main() -> None:
    F.parse_formula("sin(x) + y^2")  # SymPy's one-time warm-up (~50 ms) is not per formula
    print(f"{'formula':34} {'parse':>7} {'compile':>8} {'search':>7} {'total':>7}  (ms, median)")
    for name, text in TYPICAL.items():
        builder, term = F._parse(text)
        compiled = F._compile(builder.graph, term.node)
        parse = median_ms(lambda t=text: F._parse(t))
        comp = median_ms(lambda b=builder, t=term: F._compile(b.graph, t.node))
        search = median_ms(lambda c=compiled: F._search(c, F.DEFAULT_DOMAIN), 3)
        total = median_ms(lambda t=text: build_uncached(t), 3)
        print(f"{name:34} {parse:7.2f} {comp:8.2f} {search:7.1f} {total:7.1f}")

    sys.path.insert(0, str(ROOT / "tests" / "unit"))
    from test_formula_hostile import HOSTILE

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
