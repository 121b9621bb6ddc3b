"""A fake Kubernetes API server over real HTTP, for tests, benchmarks and `serve --demo`.

    cluster = FakeCluster()
    cluster.seed(pods=100, namespaces=5)
    with cluster.serve() as running:
        running.write_kubeconfig(path)
"""

from __future__ import annotations

from .cluster import FakeCluster
from .recording import RecordedRequest
from .serving import RunningServer

__all__ = ["FakeCluster", "RecordedRequest", "RunningServer"]
