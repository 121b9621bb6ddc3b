"""Nodes: cordon, uncordon and drain them (node_management); read their kubelet logs and stats summary."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field

from k8stools.apirequest import NODES, PODS, node_proxy_request, resource_request
from k8stools.guard import GuardedClient
from k8stools.kube import KubeError
from k8stools.names import check_log_file_path, check_node_name
from k8stools.namespace_filters import node_log_refusal, summary_without_restricted, visible_log_entries, withheld_note
from k8stools.policy import PolicyDenied
from k8stools.quantities import format_mebibytes
from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

NodeNameArg = Annotated[str, Field(description="Node name (see get resourceType=nodes)")]
MAX_NODE_LOG_LINES = 2000
MAX_NODE_LOG_CHARS = 200_000
MERGE_PATCH = "application/merge-patch+json"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def _set_unschedulable(client: GuardedClient, name: str, value: bool) -> dict[str, Any]:
    body = {"spec": {"unschedulable": True if value else None}}
    request = resource_request(NODES, method="PATCH", name=name, body=body, content_type=MERGE_PATCH)
    result: dict[str, Any] = client.request(request)
    return result


@kube_tool(
    "node_management",
    operation="node-management",
    title="Cordon, uncordon or drain a node",
    read_only=False,
    destructive=True,
)
def node_management(
    call: ToolCall,
    operation: Annotated[Literal["cordon", "uncordon", "drain"], Field(description="cordon, uncordon or drain")],
    nodeName: NodeNameArg,
    confirm: Annotated[
        bool, Field(description="drain only: must be true, to confirm evicting the node's pods")
    ] = False,
    gracePeriod: Annotated[
        int | None, Field(ge=0, le=3600, description="drain: seconds each pod gets to stop; default the pod's own")
    ] = None,
    ignoreDaemonsets: Annotated[
        bool, Field(description="drain: leave DaemonSet pods in place (they would come back anyway)")
    ] = True,
    deleteLocalData: Annotated[
        bool, Field(description="drain: also evict pods with emptyDir volumes (their data is lost)")
    ] = False,
    force: Annotated[
        bool, Field(description="drain: also evict pods no controller manages (they are not recreated)")
    ] = False,
) -> str:
    """Cordon a node (no new pods), uncordon it, or drain it: cordon, then evict its pods through the
    Eviction API so disruption budgets are respected, like kubectl drain. Drain needs confirm: true."""
    node = resource_request(NODES, name=check_node_name(nodeName))
    call.aim(kind="nodes", name=nodeName)
    client = call.client()
    if operation == "drain" and not confirm:
        raise ToolInputError(f"drain evicts every pod on {nodeName}; send confirm: true to go ahead")
    if operation != "drain" and (gracePeriod is not None or force or deleteLocalData):
        raise ToolInputError("gracePeriod, force and deleteLocalData apply to drain only")
    client.request(node)  # a missing node is a clear 404 before anything changes
    suffix = " (dry run: nothing changed)" if call.dry_run else ""
    if operation == "uncordon":
        _set_unschedulable(client, nodeName, False)
        return f"node/{nodeName} uncordoned{suffix}"
    if operation == "cordon":
        _set_unschedulable(client, nodeName, True)
        return f"node/{nodeName} cordoned{suffix}"
    pods = client.request(resource_request(PODS, query={"fieldSelector": f"spec.nodeName={nodeName}"}))
    to_evict, skipped, refusals = plan_drain(
        pods.get("items") or [], ignore_daemonsets=ignoreDaemonsets, delete_local_data=deleteLocalData, force=force
    )
    if refusals:
        return "\n".join([f"cannot drain {nodeName}; nothing was changed:", *(f"  {line}" for line in refusals)])
    _set_unschedulable(client, nodeName, True)
    lines = [f"node/{nodeName} cordoned{suffix}"]
    lines += [f"  skipped {ref}: {why}" for ref, why in skipped]
    blocked = 0
    for pod in to_evict:
        meta = pod["metadata"]
        ref = f"{meta['namespace']}/{meta['name']}"
        try:
            _evict(client, meta["namespace"], meta["name"], gracePeriod)
            lines.append(f"  evicted pod {ref}{suffix}")
        except KubeError as error:
            if error.status == 404:
                lines.append(f"  pod {ref} was already gone")
                continue
            if error.status != 429:
                raise
            blocked += 1
            lines.append(f"  not evicted {ref}: {error.message}")
    if blocked:
        lines.append(
            f"{blocked} pod(s) not evicted (a disruption budget blocks them); the node stays cordoned, "
            "run drain again once the budget allows it"
        )
    elif not call.dry_run:
        lines.append(f"node/{nodeName} drained (evicted pods stop within their grace period)")
    if call.policy.restricted_namespaces:
        lines.append("note: pods in restricted namespaces are not visible to this server and were left alone")
    return "\n".join(lines)


def plan_drain(
    pods: list[dict[str, Any]], *, ignore_daemonsets: bool, delete_local_data: bool, force: bool
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[str]]:
    """kubectl drain's filters: (pods to evict, (pod, why) skipped, reasons the drain must not start)."""
    evict: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    refusals: list[str] = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        ref = f"{meta.get('namespace')}/{meta.get('name')}"
        if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
            skipped.append((ref, "a static (mirror) pod, managed by the kubelet"))
            continue
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            evict.append(pod)
            continue
        controller = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), None)
        if controller and controller.get("kind") == "DaemonSet":
            if ignore_daemonsets:
                skipped.append((ref, "managed by a DaemonSet"))
            else:
                refusals.append(f"{ref} is managed by a DaemonSet; send ignoreDaemonsets: true")
            continue
        if controller is None and not force:
            refusals.append(f"{ref} is not managed by a controller and would not come back; send force: true")
            continue
        volumes = (pod.get("spec") or {}).get("volumes") or []
        if any("emptyDir" in volume for volume in volumes) and not delete_local_data:
            refusals.append(f"{ref} has emptyDir data that eviction deletes; send deleteLocalData: true")
            continue
        evict.append(pod)
    return evict, skipped, refusals


def _evict(client: GuardedClient, namespace: str, name: str, grace_period: int | None) -> None:
    body: dict[str, Any] = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": namespace},
    }
    if grace_period is not None:
        body["deleteOptions"] = {"gracePeriodSeconds": grace_period}
    client.request(
        resource_request(PODS, method="POST", namespace=namespace, name=name, subresource="eviction", body=body)
    )


@kube_tool("node_logs", operation="logs", title="Node logs", read_only=True, idempotent=True)
def node_logs(
    call: ToolCall,
    nodeName: NodeNameArg,
    file: Annotated[
        str,
        Field(
            description="A file under the node's /var/log: kubelet.log, syslog, containers/<file>; "
            "an empty string lists the directory"
        ),
    ] = "kubelet.log",
    tailLines: Annotated[
        int, Field(ge=1, le=MAX_NODE_LOG_LINES, description="Only the last N lines (default 100)")
    ] = 100,
) -> str:
    """Read a log file of a node's /var/log through the API server's node proxy (the kubelet's log
    server): the kubelet's own log, syslog, or a container's raw log. Use when a node misbehaves.
    While the server restricts namespaces, only container logs of allowed namespaces can be read."""
    file = file.strip().strip("/")
    segments = check_log_file_path(file) if file else ()
    request = node_proxy_request(check_node_name(nodeName), "logs", *segments, directory=not file)
    call.aim(kind="nodes/proxy", name=nodeName)
    refusal = node_log_refusal(file, call.policy)
    if refusal:
        raise PolicyDenied(refusal)
    client = call.client()
    try:
        text = client.text(request)
    except KubeError as error:
        if error.status == 404:
            raise ToolInputError(
                f"no log file '{file}' on node {nodeName}; send file: \"\" to list what /var/log holds"
            ) from None
        raise
    if text.lstrip().lower().startswith(("<!doctype", "<pre>")):
        names, withheld = visible_log_entries(file, re.findall(r'<a href="([^"]+)">', text), call.policy)
        note = withheld_note(withheld, "entries (logs of pods in those namespaces or of unknown namespace) were")
        listing = f"/var/log/{file + '/' if file else ''} on {nodeName}:\n" + "\n".join(f"  {n}" for n in names)
        return listing + (f"\n{note}" if note else "")
    lines = text[-MAX_NODE_LOG_CHARS:].splitlines()[-tailLines:]
    return "\n".join(lines) if lines else f"{file} on {nodeName} is empty"


@kube_tool("node_stats", operation="top", title="Node stats summary", read_only=True, idempotent=True)
def node_stats(
    call: ToolCall,
    nodeName: NodeNameArg,
    pods: Annotated[bool, Field(description="Also one line per pod on the node")] = True,
) -> str:
    """A node's kubelet Summary API (stats/summary) in brief: CPU, memory, filesystem, network and
    process counts for the node, and per pod. Works without metrics-server."""
    call.aim(kind="nodes/proxy", name=nodeName)
    request = node_proxy_request(check_node_name(nodeName), "stats", "summary")
    summary = call.client().request(request)
    visible, withheld = summary_without_restricted(summary, call.policy)
    note = withheld_note(withheld, "pods of this node were")
    return format_summary(visible, with_pods=pods) + (f"\n{note}" if note else "")


def _cpu(stats: dict[str, Any]) -> str:
    nano = (stats.get("cpu") or {}).get("usageNanoCores")
    return f"{round(nano / 1e6)}m" if isinstance(nano, (int, float)) else "<unknown>"


def _memory(stats: dict[str, Any]) -> str:
    working = (stats.get("memory") or {}).get("workingSetBytes")
    return format_mebibytes(int(working)) if isinstance(working, (int, float)) else "<unknown>"


def _gib(value: Any) -> str:
    return f"{value / 1024**3:.1f}Gi" if isinstance(value, (int, float)) else "?"


def format_summary(summary: dict[str, Any], *, with_pods: bool) -> str:
    """The Summary API's figures a person looks at, one line per subject."""
    node = summary.get("node") or {}
    lines = [f"Node {node.get('nodeName', '?')}: CPU {_cpu(node)}, memory {_memory(node)}"]
    fs = node.get("fs") or {}
    if fs:
        lines.append(
            f"  filesystem: {_gib(fs.get('usedBytes'))} used of {_gib(fs.get('capacityBytes'))}, "
            f"{_gib(fs.get('availableBytes'))} available"
        )
    image_fs = (node.get("runtime") or {}).get("imageFs") or {}
    if image_fs:
        lines.append(
            f"  image filesystem: {_gib(image_fs.get('usedBytes'))} used of {_gib(image_fs.get('capacityBytes'))}"
        )
    network = node.get("network") or {}
    if "rxBytes" in network:
        lines.append(f"  network: {_gib(network.get('rxBytes'))} received, {_gib(network.get('txBytes'))} sent")
    rlimit = node.get("rlimit") or {}
    if "curproc" in rlimit:
        lines.append(f"  processes: {rlimit['curproc']} of max {rlimit.get('maxpid', '?')}")
    for system in node.get("systemContainers") or []:
        lines.append(f"  {system.get('name')}: CPU {_cpu(system)}, memory {_memory(system)}")
    pod_stats = summary.get("pods") or []
    lines.append(f"Pods: {len(pod_stats)}")
    if with_pods:
        for pod in sorted(
            pod_stats,
            key=lambda p: ((p.get("podRef") or {}).get("namespace", ""), (p.get("podRef") or {}).get("name", "")),
        ):
            ref = pod.get("podRef") or {}
            lines.append(
                f"  {ref.get('namespace')}/{ref.get('name')}: CPU {_cpu(pod)}, memory {_memory(pod)}, "
                f"containers {len(pod.get('containers') or [])}"
            )
    return "\n".join(lines)
