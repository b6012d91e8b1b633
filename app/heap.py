"""Process-wide allocator setting for the server: keep freed heap memory for reuse (glibc).

NumPy allocates a fresh array for almost every operation, and a step on a batch of 10 000 points
makes dozens of 80–160 kB temporaries. By default glibc hands the top of its heap back to the
OS (sbrk) whenever more than ~256 kB is free there, so the next allocation faults freshly zeroed
pages back in: measured on this project's machine, Himmelblau's (f, ∇f) on 10 000 points took
105 page faults per call (≈ 100 of its 360 µs), a typed formula 260 (2/3 of its time).
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
KEEP_MB = 16  # free memory an arena keeps before giving it back to the OS (32: a heavy lab job
# left ~25 MB more behind, the abused class peaked 1.20× the clean one; 16: 1.07×, same CPU)
MMAP_MB = 4  # blocks at least this large are mapped (and unmapped when freed) on their own
ARENAS = 2  # script threads share these (they hold the GIL when they allocate anyway)


def keep_freed_memory(keep_mb: int = KEEP_MB, mmap_mb: int = MMAP_MB, arenas: int = ARENAS) -> bool:
    """Ask glibc to keep up to `keep_mb` of freed memory per arena for reuse, to map blocks of at
    least `mmap_mb` on their own (big arrays still go back to the OS when freed), and to use at
    most `arenas` arenas (each Streamlit session runs in its own thread; by default each thread
    could get its own arena, each keeping `keep_mb`). At most ~`arenas` × `keep_mb` stays
    reserved. True if applied; False where the C library is not glibc (macOS, Windows, musl):
    nothing changes there."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    settings = (
        (M_ARENA_MAX, arenas),
        (M_TRIM_THRESHOLD, keep_mb << 20),
        (M_MMAP_THRESHOLD, mmap_mb << 20),
    )
    return all([bool(mallopt(option, value)) for option, value in settings])
