"""Many rows in memory-bounded chunks: how the basin map and the phase diagram run n² or M × L
`simulate` rows with flat memory, and how a caller is told the progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

MEMORY_BUDGET = 64 * 2**20  # bytes of trajectory history alive at once in a basin map
BYTES_PER_ROW_STEP = 8 * (2 + 1 + 1)  # positions (2) + loss + grad_norm, float64
LR_BYTES_PER_ROW_STEP = 8  # the lr history, stored only under a policy (a fixed rate is a view)

Progress = Callable[[int, int], None]  # on_chunk(done, total): rows finished so far, of total


def chunk_size(steps: int, budget: int = MEMORY_BUDGET, lr_history: bool = False) -> int:
    """Rows per simulate call so that one chunk's (T+1)-step history fits in `budget` bytes
    (`lr_history`: the run records a (T, B) lr array too, as under an LRPolicy)."""
    per_row_step = BYTES_PER_ROW_STEP + (LR_BYTES_PER_ROW_STEP if lr_history else 0)
    return max(1, budget // ((int(steps) + 1) * per_row_step))


def row_chunks(total: int, rows: int, on_chunk: Progress | None = None) -> Iterator[slice]:
    """Consecutive slices of at most `rows` rows covering range(total).

    `on_chunk(done, total)`, if given, is called with done = 0 before the first slice and again
    each time the caller has finished with a slice (done = rows covered so far), ending with
    done = total: the caller reports progress just by looping.
    """
    if int(rows) != rows or rows < 1:
        raise ValueError(f"chunk size must be a whole number ≥ 1, got {rows!r}")
    report = on_chunk if on_chunk is not None else _ignore
    report(0, total)
    for lo in range(0, total, int(rows)):
        hi = min(lo + int(rows), total)
        yield slice(lo, hi)
        report(hi, total)


def _ignore(done: int, total: int) -> None:
    """The default progress callback: nobody is watching."""
