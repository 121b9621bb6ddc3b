"""daphne's HTTP server as `manage.py serve` (and `kubemcp`) runs it, in a module of its own so that only HTTP serving loads it.

Importing `daphne.server` installs Twisted's asyncio reactor: import this module before anything imports a reactor.
"""

from __future__ import annotations

import daphne.server  # isort:skip

from typing import Any

from daphne.endpoints import build_endpoint_description_strings

__all__ = ["AnnouncingServer", "build_endpoint_description_strings"]


class AnnouncingServer(daphne.server.Server):
    """daphne's server, telling the user where it listens once the socket is bound."""

    def __init__(self, *args: Any, announce: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.announce = announce

    def listen_success(self, port: Any) -> None:
        super().listen_success(port)
        if self.listening_addresses:
            self.announce(*self.listening_addresses[-1])
