"""Pausing Python's cyclic garbage collector while big acyclic structures are built.

Decoding a 1,000-pod list (~3 MB of JSON) creates ~200,000 dicts and lists. Each 700 new containers
start a collection of the youngest generation, every tenth of those the middle one, and now and then
the whole heap of the worker (Django, the SDK's models) is traversed: in a worker that is more than half
of the decode's CPU (~90 of ~160 ms), and none of it finds garbage, since decoded JSON has no cycles.
`collection_paused` turns the collector off for such a stretch and back on after the last one, so
threads that overlap share one pause; what other threads made meanwhile is collected once it ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_we_disabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic collection inside the block (nor in other threads meanwhile); reference counting goes on."""
    global _holders, _we_disabled
    with _lock:
        if _holders == 0 and gc.isenabled():
            gc.disable()
            _we_disabled = True
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _we_disabled:
                _we_disabled = False
                gc.enable()
