"""`ServerContext`: every dependency of the server in one object.

Built from Django settings, with keyword overrides so tests pass their own parts (a client
factory pointed at the fake API server, a recording logger, fresh metrics) and nothing is
patched. The configuration is an immutable `ServerConfig`; `with_config` swaps it whole.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from k8stools.config import ServerConfig
from k8stools.identity import Impersonation
from k8stools.kube import KubeClient, KubeClientFactory
from k8stools.log import Logger
from k8stools.metrics import Metrics
from k8stools.policy import PolicySource


class ServerShutDown(RuntimeError):
    """The server context was shut down and can no longer be used."""


class ServerContext:
    def __init__(
        self,
        *,
        config: ServerConfig,
        client_factory: KubeClientFactory | None = None,
        logger: Logger | None = None,
        metrics: Metrics | None = None,
        policy: PolicySource | None = None,
    ) -> None:
        self._config = config
        self._client_factory = client_factory or KubeClientFactory(
            kubeconfig=config.kubeconfig,
            default_context=config.kube_context,
            in_cluster=config.in_cluster,
            qps=config.qps,
            burst=config.burst,
        )
        self.logger = logger or Logger("kubemcp")
        self.metrics = metrics or Metrics.shared()
        # The policy in force: environment defaults (this config) under the admin's overrides.
        self.policy = policy or PolicySource(lambda: self.config)
        self._shutdown = threading.Event()
        self._shutdown_hooks: list[Callable[[], Any]] = []

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> ServerContext:
        config = overrides.pop("config", None) or ServerConfig.from_settings(settings)
        return cls(config=config, **overrides)

    @property
    def config(self) -> ServerConfig:
        return self._config

    def with_config(self, config: ServerConfig) -> None:
        """Replace the configuration; calls in flight keep the value they started with."""
        self._check_open()
        self._config = config

    @property
    def client_factory(self) -> KubeClientFactory:
        self._check_open()
        return self._client_factory

    def client(
        self, *, context: str = "", bearer_token: str | None = None, impersonation: Impersonation | None = None
    ) -> KubeClient:
        """The Kubernetes client for one call: the user's own token when given, the server's impersonating the
        person when `impersonation` is given, else the server's own."""
        self._check_open()
        if impersonation is not None:
            return self._client_factory.for_impersonation(tuple(impersonation.headers()), context=context)
        if bearer_token:
            return self._client_factory.for_bearer_token(bearer_token, context=context)
        return self._client_factory.for_context(context)

    def on_shutdown(self, hook: Callable[[], Any]) -> None:
        """Run `hook` when the context shuts down (port-forward listeners, client pools)."""
        self._shutdown_hooks.append(hook)

    @property
    def is_shutdown(self) -> bool:
        return self._shutdown.is_set()

    def shutdown(self) -> None:
        """Stop everything the context started; idempotent."""
        if self._shutdown.is_set():
            return
        self._shutdown.set()
        for hook in reversed(self._shutdown_hooks):
            try:
                hook()
            except Exception as error:  # one failing hook must not keep the others from running
                self.logger.error(
                    "shutdown hook failed", hook=getattr(hook, "__qualname__", repr(hook)), error=str(error)
                )
        self._client_factory.close()

    def _check_open(self) -> None:
        if self._shutdown.is_set():
            raise ServerShutDown("the server context has been shut down; start a new one")


_current: ServerContext | None = None
_current_lock = threading.Lock()


def get_server_context() -> ServerContext:
    """The process's server context, built from settings on first use."""
    global _current
    with _current_lock:
        if _current is None or _current.is_shutdown:
            _current = ServerContext.from_settings()
        return _current


def set_server_context(context: ServerContext | None) -> None:
    """Install `context` as the process's server context (management commands, tests)."""
    global _current
    with _current_lock:
        _current = context
