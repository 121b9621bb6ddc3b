"""The state of the server at a glance, for the admin's header, index and dashboard: what it is, which cluster
it talks to, how long it has run, whether its database, cache and Kubernetes API answer, and the policy in force."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from k8stools.context import get_server_context
from k8stools.kube import KubeConfigError, KubeError
from k8stools.policy import FieldState, Policy, display_value
from k8stools.policy_store import policy_in_force
from mcpsite import STARTED_AT

logger = logging.getLogger("kubemcp.admin")
KUBERNETES_CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Identity:
    """What an operator must know before touching anything: product, version, cluster, context, demo or not."""

    product: str
    version: str
    context: str
    api_server: str
    demo: bool
    in_cluster: bool

    @property
    def header(self) -> str:
        where = f"context {self.context}" if self.context else "no cluster context"
        return f"{self.product} {self.version} · {where}{' (demo cluster)' if self.demo else ''}"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def identity() -> Identity:
    """The server's identity, without a network call (safe on every admin page)."""
    server = get_server_context()
    config = server.config
    try:
        context = server.client_factory.default_context_name()
        api_server = server.client_factory.for_context(context).host
    except KubeConfigError:
        context, api_server = "", ""
    except Exception:  # the header is on every admin page: a client bug must not turn them all into 500s
        logger.exception("reading the server's kubeconfig context for the admin header failed")
        context, api_server = "", ""
    return Identity(
        product=config.server_name,
        version=config.server_version,
        context=context,
        api_server=api_server,
        demo=config.demo,
        in_cluster=config.in_cluster,
    )


def uptime(now: float | None = None) -> str:
    """How long this worker has run, as "3 d 4 h", "2 h 5 min" or "42 s"."""
    seconds = int((now if now is not None else time.time()) - STARTED_AT)
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def started_at() -> datetime:
    return datetime.fromtimestamp(STARTED_AT, tz=UTC)


def health() -> list[Check]:
    """Database, cache and Kubernetes API, each asked once now (the API with a short timeout)."""
    return [database(), shared_cache(), kubernetes()]


def database() -> Check:
    """Does the database answer a query?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error is "down": the page must still render
        return Check("Database", False, f"error: {type(error).__name__}")
    return Check("Database", True, f"{connection.vendor} answers")


def shared_cache() -> Check:
    """Does the cache keep a value and give it back?"""
    key, value = f"kubemcp:health:{uuid.uuid4().hex}", "ok"
    try:
        cache.set(key, value, timeout=10)
        read = cache.get(key)
        cache.delete(key)
    except Exception as error:
        return Check("Cache", False, f"error: {type(error).__name__}")
    backend = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
    return Check("Cache", read == value, f"{backend} answers" if read == value else f"{backend} lost a value")


def kubernetes(timeout: float = KUBERNETES_CHECK_SECONDS) -> Check:
    """Does the Kubernetes API of the default context answer, within `timeout` seconds?"""
    try:
        version = get_server_context().client().version(timeout=timeout)
    except (KubeError, KubeConfigError) as error:
        return Check("Kubernetes API", False, f"error: {error}")
    except Exception as error:  # a client bug must read as "down", not as a 500 page
        logger.exception("the check of the Kubernetes API failed unexpectedly")
        return Check("Kubernetes API", False, f"error: {type(error).__name__}")
    return Check("Kubernetes API", True, f"answers, version {version.get('gitVersion', 'unknown')}")


def policy() -> list[dict[str, str]]:
    """The policy in force, field by field, as text: value in force, where it comes from, environment default."""
    config = get_server_context().config
    return [policy_row(state) for state in policy_in_force(Policy.from_config(config), read_only=config.read_only)]


def policy_row(state: FieldState) -> dict[str, str]:
    return {
        "name": state.name,
        "label": state.label,
        "variable": state.variable,
        "effective": display_value(state.effective),
        "default": display_value(state.default),
        "source": state.source,
    }
