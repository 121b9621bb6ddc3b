"""One Redis connection pool per process for Django's cache.

Django keeps a cache object per request context (`caches` is an asgiref `Local`), and each
`RedisCache` object opens pools of its own; under ASGI every request is a new context, so every
request dialled Redis afresh (a tenth of a worker's time in the load run went to `connect`).
`RedisCache` builds its pools with `OPTIONS["pool_class"].from_url(...)`: this class answers
with the pool it already made for the same URL and options.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: ClassVar[dict[tuple[str, str], redis.ConnectionPool]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        key = (url, repr(sorted(kwargs.items(), key=lambda item: item[0])))
        with cls._shared_lock:
            pool = cls._shared.get(key)
            if pool is None:
                pool = cls._shared[key] = super().from_url(url, **kwargs)
            return pool
