"""The port-forward settings (`PORT_FORWARD_*` in mcpsite.settings), as one immutable value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PortForwardConfig:
    bind_address: str = "127.0.0.1"
    in_cluster: bool = False  # allowed in in-cluster mode
    max_per_user: int = 5
    max_total: int = 50
    max_connections: int = 64  # at once, per session
    idle_timeout_seconds: float = 900.0  # 0: never
    check_seconds: float = 10.0  # byte counters, heartbeat, pod and policy checks

    @property
    def stale_seconds(self) -> float:
        """A worker silent for this long is gone: its sessions are marked failed by the others."""
        return max(60.0, 6 * self.check_seconds)

    @classmethod
    def from_settings(cls, settings: Any = None) -> PortForwardConfig:
        if settings is None:
            from django.conf import settings as django_settings

            settings = django_settings
        return cls(
            bind_address=settings.PORT_FORWARD_BIND_ADDRESS,
            in_cluster=settings.PORT_FORWARD_IN_CLUSTER,
            max_per_user=settings.PORT_FORWARD_MAX_PER_USER,
            max_total=settings.PORT_FORWARD_MAX_TOTAL,
            max_connections=settings.PORT_FORWARD_MAX_CONNECTIONS,
            idle_timeout_seconds=settings.PORT_FORWARD_IDLE_TIMEOUT_SECONDS,
            check_seconds=settings.PORT_FORWARD_CHECK_SECONDS,
        )
