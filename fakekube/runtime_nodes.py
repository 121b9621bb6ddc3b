"""`/api/v1/nodes/{name}/proxy/...`: the kubelet's own HTTP API, reached through the API server.

Served: `stats/summary`, `metrics`, `metrics/resource`, `healthz`, `pods`, and `/var/log` as the
kubelet's file server shows it (`logs/`, `logs/kubelet.log`, `logs/syslog`, `logs/containers/...`).
The API server refuses unknown nodes with a `Status`; what the kubelet answers itself
(404 for an unknown path) is its plain text, as the real proxy passes it through.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fakekube.runtime_kubelet_stats import node_summary, resource_metrics
from fakekube.runtime_logs import format_line
from fakekube.runtime_pods import container_state
from fakekube.runtime_streams import ClusterView
from fakekube.status import not_found, status_response

if TYPE_CHECKING:
    from fakekube.runtime import PodRuntime

KUBELET_PORT = 10250


async def node_proxy(request: web.Request, *, cluster: ClusterView) -> web.StreamResponse:
    """Answer a proxied kubelet request for a known, reachable node."""
    name = request.match_info["name"]
    node = cluster.get_object("nodes", None, name)
    if node is None:
        return not_found("nodes", name)
    if not _reachable(node):
        return status_response(
            503,
            f"error trying to reach service: dial tcp {_address(node)}:{KUBELET_PORT}: connect: connection refused",
            "ServiceUnavailable",
        )
    pods = [pod for pod in cluster.list_objects("pods") if (pod.get("spec") or {}).get("nodeName") == name]
    running = [pod for pod in pods if (pod.get("status") or {}).get("phase", "Running") == "Running"]
    path = request.match_info.get("path", "").strip("/")
    if path == "stats/summary":
        return web.json_response(node_summary(node, running))
    if path == "metrics/resource":
        return web.Response(text=resource_metrics(node, running), content_type="text/plain")
    if path == "metrics":
        return web.Response(text=_kubelet_metrics(node, running), content_type="text/plain")
    if path == "healthz":
        return web.Response(text="ok", content_type="text/plain")
    if path == "pods":
        return web.json_response({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": pods})
    if path == "logs" or path.startswith("logs/"):
        return _logs(cluster.runtime, node, pods, path[len("logs") :].strip("/"))
    return _page_not_found()


def _page_not_found() -> web.Response:
    return web.Response(status=404, text="404 page not found\n", content_type="text/plain")


def _reachable(node: dict[str, Any]) -> bool:
    """A node whose kubelet stopped posting status (Ready=Unknown) does not answer."""
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") != "Unknown")
    return True


def _address(node: dict[str, Any]) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address.get("address"))
    return "10.0.0.10"


def _directory(names: list[str]) -> web.Response:
    """A listing in the format of Go's http.FileServer, which the kubelet serves /var/log with."""
    links = "".join(f'<a href="{html.escape(name)}">{html.escape(name)}</a>\n' for name in names)
    body = f'<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n{links}</pre>\n'
    return web.Response(text=body, content_type="text/html")


def _logs(runtime: PodRuntime, node: dict[str, Any], pods: list[dict[str, Any]], path: str) -> web.Response:
    containers = _container_logs(runtime, pods)
    files: dict[str, Callable[[], str]] = {
        "auth.log": lambda: _auth_log(node),
        "kern.log": lambda: _kern_log(node),
        "kubelet.log": lambda: _kubelet_log(node, pods),
        "syslog": lambda: _syslog(node, pods),
    }
    if path == "":
        return _directory(sorted([*files, "containers/"]))
    if path == "containers":
        return _directory(sorted(containers))
    if path.startswith("containers/") and path[len("containers/") :] in containers:
        return web.Response(body=containers[path[len("containers/") :]](), content_type="text/plain")
    if path in files:
        return web.Response(text=files[path](), content_type="text/plain")
    return _page_not_found()


def _container_id(pod: dict[str, Any], container: str) -> str:
    for entry in (pod.get("status") or {}).get("containerStatuses") or []:
        if entry.get("name") == container and entry.get("containerID"):
            return str(entry["containerID"]).split("://")[-1]
    return hashlib.sha256(f"{pod['metadata']['name']}/{container}".encode()).hexdigest()


def _container_logs(runtime: PodRuntime, pods: list[dict[str, Any]]) -> dict[str, Callable[[], bytes]]:
    """/var/log/containers: `<pod>_<namespace>_<container>-<id>.log`, in the CRI log format."""
    files: dict[str, Callable[[], bytes]] = {}
    for pod in pods:
        metadata = pod["metadata"]
        for container in (pod.get("spec") or {}).get("containers") or []:
            name = container["name"]
            if container_state(pod, name).current == "waiting":
                continue
            file_name = f"{metadata['name']}_{metadata.get('namespace')}_{name}-{_container_id(pod, name)}.log"

            def content(pod: dict[str, Any] = pod, name: str = name) -> bytes:
                log = runtime.container_log(pod["metadata"].get("namespace", "default"), pod, name, previous=False)
                return b"".join(format_line(line, True).replace(b" ", b" stdout F ", 1) for line in log.snapshot())

            files[file_name] = content
    return files


def _klog(when: datetime, source: str, message: str, severity: str = "I") -> str:
    return f"{severity}{when:%m%d %H:%M:%S}.{when.microsecond:06d}    2143 {source}] {message}"


def _kubelet_log(node: dict[str, Any], pods: list[dict[str, Any]]) -> str:
    name = node["metadata"]["name"]
    version = ((node.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "v1.30.2")
    start = _created(node)
    lines = [
        _klog(start, "server.go:484", f'"Kubelet version" kubeletVersion="{version}"'),
        _klog(start + timedelta(seconds=1), "kubelet.go:2337", '"Starting kubelet main sync loop"'),
        _klog(
            start + timedelta(seconds=2), "kubelet_node_status.go:76", f'"Attempting to register node" node="{name}"'
        ),
        _klog(
            start + timedelta(seconds=2, milliseconds=300),
            "kubelet_node_status.go:79",
            f'"Successfully registered node" node="{name}"',
        ),
    ]
    for pod in sorted(pods, key=_created):
        key = f"{pod['metadata'].get('namespace')}/{pod['metadata']['name']}"
        created = _created(pod)
        lines.append(_klog(created, "kubelet.go:2407", f'"SyncLoop ADD" source="api" pods=["{key}"]'))
        for container in (pod.get("spec") or {}).get("containers") or []:
            state = container_state(pod, container["name"])
            if state.current == "waiting" and state.reason:
                lines.append(
                    _klog(
                        created + timedelta(seconds=3),
                        "pod_workers.go:1298",
                        f'"Error syncing pod, skipping" err="failed to \\"StartContainer\\" for '
                        f'\\"{container["name"]}\\" with {state.reason}" pod="{key}"',
                        "E",
                    )
                )
            else:
                lines.append(
                    _klog(
                        created + timedelta(seconds=2),
                        "kubelet.go:2439",
                        f'"SyncLoop (PLEG): event for pod" pod="{key}" event={{"Type":"ContainerStarted"}}',
                    )
                )
    return "\n".join(lines) + "\n"


def _syslog(node: dict[str, Any], pods: list[dict[str, Any]]) -> str:
    name, start = node["metadata"]["name"], _created(node)
    lines = [
        f"{start:%b %e %H:%M:%S} {name} systemd[1]: Started containerd.service - containerd container runtime.",
        f"{start:%b %e %H:%M:%S} {name} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.",
    ]
    for pod in sorted(pods, key=_created):
        created = _created(pod) + timedelta(seconds=2)
        for container in (pod.get("spec") or {}).get("containers") or []:
            container_id = _container_id(pod, container["name"])
            lines.append(
                f'{created:%b %e %H:%M:%S} {name} containerd[812]: time="{created:%Y-%m-%dT%H:%M:%S}.'
                f'{created.microsecond:06d}000Z" level=info msg="StartContainer for \\"{container_id}\\" '
                'returns successfully"'
            )
    return "\n".join(lines) + "\n"


def _kern_log(node: dict[str, Any]) -> str:
    name, start = node["metadata"]["name"], _created(node)
    return (
        f"{start:%b %e %H:%M:%S} {name} kernel: [    0.000000] Linux version 6.1.0-18-amd64 "
        "(debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n"
        f"{start:%b %e %H:%M:%S} {name} kernel: [    4.201337] IPv6: ADDRCONF(NETDEV_CHANGE): eth0: "
        "link becomes ready\n"
    )


def _auth_log(node: dict[str, Any]) -> str:
    name, start = node["metadata"]["name"], _created(node)
    return (
        f"{start:%b %e %H:%M:%S} {name} sshd[611]: Server listening on 0.0.0.0 port 22.\n"
        f"{start:%b %e %H:%M:%S} {name} systemd-logind[598]: New seat seat0.\n"
    )


def _kubelet_metrics(node: dict[str, Any], pods: list[dict[str, Any]]) -> str:
    containers = sum(len((pod.get("spec") or {}).get("containers") or []) for pod in pods)
    return (
        f"# HELP kubelet_node_name [ALPHA] The node's name. The count is always 1.\n"
        f'# TYPE kubelet_node_name gauge\nkubelet_node_name{{node="{node["metadata"]["name"]}"}} 1\n'
        "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox\n"
        f"# TYPE kubelet_running_pods gauge\nkubelet_running_pods {len(pods)}\n"
        "# HELP kubelet_running_containers [ALPHA] Number of containers currently running\n"
        "# TYPE kubelet_running_containers gauge\n"
        f'kubelet_running_containers{{container_state="running"}} {containers}\n'
    )


def _created(obj: dict[str, Any]) -> datetime:
    stamp = (obj.get("metadata") or {}).get("creationTimestamp")
    if not stamp:
        return datetime.now(UTC) - timedelta(days=3)
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
