"""A fake Kubernetes API server over real HTTP, for tests, benchmarks and `serve --demo`.

    cluster = FakeCluster()                       # namespaces default, kube-system, kube-public, kube-node-lease
    cluster.seed(pods=100, namespaces=5, nodes=3)
    with cluster.serve() as running:              # background thread; cluster.serve(tls=True) for HTTPS
        running.write_kubeconfig(path)            # then kubernetes.config.new_client_from_config(config_file=path)
        ...
        cluster.mutations()                       # what changed state (non-dry-run writes and connects)

Arranging state: `add_object`, `get_object`, `list_objects`, `delete_object`. Identity and RBAC: `require_auth`,
`grant` (a request without a token is `system:anonymous`; `Impersonate-*` headers need the `impersonate` verb).
Likeness to a real cluster is checked by tests/fakekube/test_fidelity_*.py; see `decoding` (field validation),
`deletion` (Terminating objects), `crd_schema` (structural schemas). Failures: `cluster.faults.add(...)`, `running.pause()` / `running.resume()`, `running.stop()` /
`running.start()`. Foreground: `python -m fakekube` (see `fakekube.cli.main`).
"""

from __future__ import annotations

from .cluster import FakeCluster
from .recording import RecordedRequest
from .serving import RunningServer

__all__ = ["FakeCluster", "RecordedRequest", "RunningServer"]
