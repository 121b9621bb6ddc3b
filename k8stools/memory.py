"""Keeping a worker's memory near its floor after big answers.

A 1,000-object list is ~3 MB of JSON and several times that as Python objects. Several at once raise
the heap by tens of MB, and glibc keeps freed heap pages, so the process stays at that high-water mark
for good. `big_lists` bounds how many such lists a worker holds at once (the GIL runs one thread at a
time anyway, so throughput hardly changes), and `release_free_memory` hands freed pages back to the OS.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

# A list page with more objects than this is a big one.
BIG_LIST_ITEMS = 250
big_lists = threading.BoundedSemaphore(2)

_libc_name = ctypes.util.find_library("c")
_malloc_trim = getattr(ctypes.CDLL(_libc_name), "malloc_trim", None) if _libc_name else None


def release_free_memory() -> None:
    """Return the allocator's free pages to the OS (glibc's malloc_trim, ~0.1-1 ms); a no-op elsewhere."""
    if _malloc_trim is not None:
        _malloc_trim(0)
