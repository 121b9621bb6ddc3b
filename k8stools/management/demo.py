"""The demo cluster behind `serve --demo`: a seeded fake API server and a context pointed at it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fakekube import FakeCluster
from k8stools.config import ServerConfig
from k8stools.context import ServerContext, set_server_context


@dataclass(frozen=True)
class DemoCluster:
    url: str
    kubeconfig: str
    pods: int
    namespaces: int


@contextmanager
def demo_cluster(*, pods: int, namespaces: int) -> Iterator[DemoCluster]:
    """Serve a seeded fake cluster on a free loopback port, with a kubeconfig in a temporary directory."""
    cluster = FakeCluster()
    cluster.seed(pods=pods, namespaces=namespaces)
    with tempfile.TemporaryDirectory(prefix="kubemcp-demo-") as directory, cluster.serve() as running:
        path = running.write_kubeconfig(Path(directory) / "kubeconfig")
        yield DemoCluster(url=running.url, kubeconfig=str(path), pods=pods, namespaces=namespaces)


def use_kubeconfig(path: str, *, demo: bool = False) -> ServerContext:
    """Install a server context that talks to the clusters of `path` (and nothing from the environment)."""
    config = ServerConfig.from_settings().replace(kubeconfig=path, kube_context="", in_cluster=False, demo=demo)
    context = ServerContext.from_settings(config=config)
    set_server_context(context)
    return context
