"""The cluster as a whole: its health, what the caller may do in it (can_i), and resource usage (top)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import Field

from k8stools.apirequest import NODES, PODS, FixedKind, resource_request
from k8stools.formatting.podstatus import pod_state
from k8stools.formatting.tables import layout_table
from k8stools.guard import GuardedClient
from k8stools.kube import KubeError
from k8stools.quantities import bytes_of, format_mebibytes, format_millicores, millicores, percent
from k8stools.resources import resolve
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

# Components whose failure makes the whole cluster Unhealthy (upstream's list).
CRITICAL_COMPONENTS = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "controller-manager",
    "scheduler",
)
# Pages of pods scanned for the not-running summary (500 each): a bound on big clusters.
POD_SCAN_PAGES = 10
POD_PAGE_SIZE = 500
COMPONENT_STATUSES = FixedKind("", "v1", "componentstatuses", namespaced=False)
SELF_SUBJECT_ACCESS_REVIEWS = FixedKind("authorization.k8s.io", "v1", "selfsubjectaccessreviews", namespaced=False)
POD_METRICS = FixedKind("metrics.k8s.io", "v1beta1", "pods")
NODE_METRICS = FixedKind("metrics.k8s.io", "v1beta1", "nodes", namespaced=False)
NO_METRICS = (
    "the metrics API (metrics.k8s.io) is not served by this cluster: metrics-server is not installed "
    "(or not ready). Install it (https://github.com/kubernetes-sigs/metrics-server) to use top; "
    "until then describe nodes shows requests and limits."
)


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return dict(condition)
    return {}


def overall_status(components: list[tuple[str, bool]], ready_nodes: int, total_nodes: int) -> str:
    """Unhealthy when a critical component is down; Degraded when anything else is (a node not ready)."""
    if any(not healthy and any(name.startswith(c) for c in CRITICAL_COMPONENTS) for name, healthy in components):
        return "Unhealthy"
    if any(not healthy for _, healthy in components) or ready_nodes < total_nodes:
        return "Degraded"
    return "Healthy"


@kube_tool(
    "cluster_health", operation="cluster-health", title="Cluster health", read_only=True, idempotent=True, alias=True
)
def cluster_health(
    call: ToolCall,
    nodesLimit: Annotated[
        int, Field(ge=1, le=1000, description="Show at most this many nodes (default 20; all are counted)")
    ] = 20,
    includeNodeConditions: Annotated[bool, Field(description="List every condition of each shown node")] = False,
) -> str:
    """Check the cluster at a glance: API server version and reachability, control-plane components
    (when served), nodes ready or not (with reasons), and pods that are not running, by status."""
    client = call.client()
    try:
        version = client.version()
    except KubeError as error:
        return f"Status: Unhealthy\nAPI server: unreachable or failing ({error.message})"
    lines = [f"API server: Healthy ({version.get('gitVersion', 'unknown version')})"]
    components = _components(client)
    if components is None:
        lines.append("Components: componentstatuses not served")
    else:
        shown = ", ".join(
            f"{name} {'Healthy' if ok else 'Unhealthy'}" + (f" ({why})" if why and not ok else "")
            for name, ok, why in components
        )
        lines.append(f"Components: {shown or 'none reported'}")
    nodes = _nodes(client)
    ready = 0
    if nodes is None:
        lines.append("Nodes: not visible to this identity (forbidden)")
    else:
        ready = sum(1 for node in nodes if _condition(node, "Ready").get("status") == "True")
        lines.append(f"Nodes: {ready}/{len(nodes)} ready")
        not_ready_first = sorted(
            nodes, key=lambda n: (_condition(n, "Ready").get("status") == "True", n["metadata"]["name"])
        )
        lines += [_node_line(node, includeNodeConditions) for node in not_ready_first[:nodesLimit]]
        if len(nodes) > nodesLimit:
            lines.append(f"  ... {len(nodes) - nodesLimit} more nodes (raise nodesLimit to see them)")
    lines.append(_pods_summary(client))
    status = overall_status([(name, ok) for name, ok, _ in components or []], ready, len(nodes or []))
    return "\n".join([f"Status: {status}", *lines])


def _components(client: GuardedClient) -> list[tuple[str, bool, str]] | None:
    try:
        listing = client.request(resource_request(COMPONENT_STATUSES))
    except KubeError as error:
        if error.status in (403, 404, 405):
            return None
        raise
    result = []
    for item in listing.get("items") or []:
        # ComponentStatus keeps its conditions at the top level, not under `status`.
        healthy: dict[str, Any] = next((c for c in item.get("conditions") or [] if c.get("type") == "Healthy"), {})
        reason = healthy.get("message") or healthy.get("error") or ""
        result.append((item["metadata"]["name"], healthy.get("status") == "True", reason))
    return result


def _nodes(client: GuardedClient) -> list[dict[str, Any]] | None:
    try:
        return list(_paged(client, NODES, pages=None))
    except KubeError as error:
        if error.status == 403:
            return None
        raise


def _paged(client: GuardedClient, kind: FixedKind, *, pages: int | None, query: dict[str, Any] | None = None) -> Any:
    token, page = None, 0
    while pages is None or page < pages:
        paging = {**(query or {}), "limit": POD_PAGE_SIZE, "continue": token}
        listing = client.request(resource_request(kind, query=paging))
        yield from listing.get("items") or []
        token = (listing.get("metadata") or {}).get("continue")
        page += 1
        if not token:
            return


def _node_line(node: dict[str, Any], all_conditions: bool) -> str:
    ready = _condition(node, "Ready")
    state = "Ready" if ready.get("status") == "True" else "NotReady" if ready else "Unknown"
    if (node.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    line = f"  {node['metadata']['name']}  {state}"
    if state.startswith(("NotReady", "Unknown")):
        why = ": ".join(part for part in (ready.get("reason"), ready.get("message")) if part)
        line += f"  ({why or 'no Ready condition reported'})"
    if all_conditions:
        conditions = (node.get("status") or {}).get("conditions") or []
        line += "\n    " + " ".join(f"{c.get('type')}={c.get('status')}" for c in conditions)
    return line


def _pods_summary(client: GuardedClient) -> str:
    """Pods not running, counted by kubectl's STATUS (restricted namespaces are left out by the guard)."""
    statuses: Counter[str] = Counter()
    total = 0
    try:
        pods = _paged(client, PODS, pages=POD_SCAN_PAGES)
        for pod in pods:
            total += 1
            state = pod_state(pod)
            if (pod.get("status") or {}).get("phase") == "Succeeded":
                continue  # finished as intended, whatever its containers' last words
            if state.status not in ("Running", "Completed"):
                statuses[state.status] += 1
            elif state.status == "Running" and state.ready_containers < state.total_containers:
                statuses["Running but not ready"] += 1
    except KubeError as error:
        if error.status == 403:
            return "Pods: not visible to this identity (forbidden)"
        raise
    scanned = f"the first {total} pods" if total >= POD_SCAN_PAGES * POD_PAGE_SIZE else f"{total} pods"
    if not statuses:
        return f"Pods: all {scanned} running or completed"
    counts = ", ".join(f"{status} {count}" for status, count in statuses.most_common())
    return f"Pods not running: {sum(statuses.values())} of {scanned} ({counts})"


@kube_tool("can_i", operation="can-i", title="Check a permission", read_only=True, idempotent=True)
def can_i(
    call: ToolCall,
    verb: Annotated[str, Field(description="get, list, watch, create, update, patch, delete, or *")],
    resource: Annotated[
        str,
        Field(
            description="Resource type (pods, deploy, deployments.apps), with /subresource if any (pods/log); or a non-resource URL (/healthz)"
        ),
    ],
    apiGroup: Annotated[
        str | None, Field(description="API group (apps, batch); found through discovery when omitted")
    ] = None,
    namespace: Annotated[
        str | None, Field(description="Namespace; default from the server config for namespaced types")
    ] = None,
    name: Annotated[str | None, Field(description="One object's name")] = None,
    subresource: Annotated[str | None, Field(description="Subresource (log, exec, scale, status)")] = None,
) -> str:
    """Ask the API server whether your own identity may do something (a SelfSubjectAccessReview, like
    kubectl auth can-i): answers yes or no, with the RBAC reason."""
    client = call.client()
    verb = verb.strip()
    if not verb:
        raise ToolInputError("verb is empty; send e.g. get, list, create or delete")
    notes: list[str] = []
    if resource.startswith("/"):
        spec: dict[str, Any] = {"nonResourceAttributes": {"path": resource, "verb": verb}}
        question = f"{verb} {resource}"
    else:
        attributes, notes = _resource_attributes(call, client, verb, resource, apiGroup, namespace, name, subresource)
        spec = {"resourceAttributes": attributes}
        question = _question(attributes)
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": spec}
    status = (
        client.request(resource_request(SELF_SUBJECT_ACCESS_REVIEWS, method="POST", body=review)).get("status") or {}
    )
    answer = "yes" if status.get("allowed") else "no"
    reason = status.get("reason") or ("no RBAC rule allows it" if answer == "no" else "")
    if status.get("evaluationError"):
        notes.append(f"evaluation error: {status['evaluationError']}")
    lines = [f"{answer} — {question}" + (f" ({reason})" if reason else "")]
    return "\n".join(lines + notes)


def _resource_attributes(
    call: ToolCall,
    client: GuardedClient,
    verb: str,
    resource: str,
    api_group: str | None,
    namespace: str | None,
    name: str | None,
    subresource: str | None,
) -> tuple[dict[str, Any], list[str]]:
    text, _, sub = resource.strip().partition("/")
    if not text:
        raise ToolInputError(
            "resource is empty; give a type such as pods or deployments.apps, or a URL such as /healthz"
        )
    if sub and subresource and sub != subresource:
        raise ToolInputError(
            f"resource '{resource}' names subresource '{sub}' but subresource is '{subresource}'; give one"
        )
    notes: list[str] = []
    group, plural, namespaced = (api_group or "").strip(), text, True
    if text != "*":
        try:
            kind = resolve(client, text, api_group)
            group, plural, namespaced = kind.group, kind.name, kind.namespaced
        except ToolInputError:
            notes.append(f"note: '{text}' is not a resource type this cluster serves; asked about it as given")
    if group.lower() == "core":
        group = ""
    attributes = {
        "verb": verb,
        "resource": plural,
        "group": group,
        "subresource": sub or subresource or "",
        "name": name or "",
    }
    if namespaced:
        attributes["namespace"] = namespace or call.config.default_namespace
        if call.policy.is_restricted(attributes["namespace"]):
            notes.append(
                f"note: this server's policy restricts namespace {attributes['namespace']}: its tools refuse it whatever RBAC allows"
            )
    elif namespace:
        notes.append(f"note: {plural} are cluster-scoped; namespace '{namespace}' was ignored")
    return {key: value for key, value in attributes.items() if value != ""}, notes


def _question(attributes: dict[str, Any]) -> str:
    resource = f"{attributes['resource']}.{attributes['group']}" if attributes.get("group") else attributes["resource"]
    if attributes.get("subresource"):
        resource += f"/{attributes['subresource']}"
    if attributes.get("name"):
        resource += f" {attributes['name']}"
    where = f" in namespace {attributes['namespace']}" if attributes.get("namespace") else " (cluster-wide)"
    return f"{attributes['verb']} {resource}{where}"


@kube_tool("top", operation="top", title="Resource usage", read_only=True, idempotent=True)
def top(
    call: ToolCall,
    kind: Annotated[Literal["pods", "nodes"], Field(description="pods or nodes")] = "pods",
    namespace: Annotated[str | None, Field(description="Namespace for pods; default from the server config")] = None,
    allNamespaces: Annotated[bool, Field(description="Pods of every namespace (restricted ones left out)")] = False,
    labelSelector: Annotated[str | None, Field(description="Only objects with these labels (app=web)")] = None,
    sortBy: Annotated[
        Literal["cpu", "memory"] | None, Field(description="Highest usage first by cpu or memory")
    ] = None,
    containers: Annotated[bool, Field(description="Pods: one row per container")] = False,
) -> str | ToolOutput:
    """Show current CPU (millicores) and memory (Mi) usage of pods or nodes, like kubectl top, from the
    metrics API; nodes also show usage as a percentage of allocatable. Needs metrics-server."""
    client = call.client()
    if not any(t.group == "metrics.k8s.io" for t in client.resource_types()):
        return ToolOutput(NO_METRICS, is_error=True)
    if kind == "nodes" and (namespace or allNamespaces or containers):
        raise ToolInputError("namespace, allNamespaces and containers apply to pods; nodes are cluster-wide")
    if namespace and allNamespaces:
        raise ToolInputError("give namespace or allNamespaces, not both")
    query = {"labelSelector": labelSelector}
    ns = None if allNamespaces or kind == "nodes" else namespace or call.config.default_namespace
    request = resource_request(POD_METRICS if kind == "pods" else NODE_METRICS, namespace=ns, query=query)
    call.aim(namespace=ns or "", kind=f"{kind}.metrics.k8s.io")
    try:
        items = client.request(request).get("items") or []
    except KubeError as error:
        if error.status in (404, 503):
            return ToolOutput(NO_METRICS, is_error=True)
        raise
    if not items:
        where = f" in namespace {ns}" if ns else ""
        return f"No metrics for {kind}{where} yet (metrics-server reports running pods after its first scrape)."
    if kind == "nodes":
        return _top_nodes(client, items, labelSelector, sortBy)
    table = _top_pods(items, all_namespaces=ns is None, per_container=containers, sort_by=sortBy)
    if ns is None and call.policy.restricted_namespaces:
        table += "\n\npods of restricted namespaces are excluded by the server policy"
    return table


def _usage(usage: dict[str, Any]) -> tuple[int, int]:
    return millicores(usage.get("cpu", "0")), bytes_of(usage.get("memory", "0"))


def _sorted(rows: list[tuple[Any, ...]], sort_by: str | None, cpu_index: int) -> list[tuple[Any, ...]]:
    if sort_by is None:
        return rows
    index = cpu_index if sort_by == "cpu" else cpu_index + 1
    return sorted(rows, key=lambda row: -row[index])


def _top_pods(items: list[dict[str, Any]], *, all_namespaces: bool, per_container: bool, sort_by: str | None) -> str:
    rows: list[tuple[Any, ...]] = []
    for item in items:
        meta = item.get("metadata") or {}
        prefix = (meta.get("namespace", ""), meta.get("name", "")) if all_namespaces else (meta.get("name", ""),)
        usages = [(c.get("name", ""), *_usage(c.get("usage") or {})) for c in item.get("containers") or []]
        if per_container:
            rows += [(*prefix, container, cpu, memory) for container, cpu, memory in usages]
        else:
            rows.append((*prefix, sum(u[1] for u in usages), sum(u[2] for u in usages)))
    headers = (
        ["NAMESPACE"] * all_namespaces
        + (["POD", "NAME"] if per_container else ["NAME"])
        + ["CPU(cores)", "MEMORY(bytes)"]
    )
    cpu_index = len(headers) - 2
    table = [
        (*row[:cpu_index], format_millicores(row[cpu_index]), format_mebibytes(row[cpu_index + 1]))
        for row in _sorted(rows, sort_by, cpu_index)
    ]
    return layout_table(headers, table)


def _top_nodes(client: GuardedClient, items: list[dict[str, Any]], selector: str | None, sort_by: str | None) -> str:
    nodes = {
        node["metadata"]["name"]: node for node in _paged(client, NODES, pages=None, query={"labelSelector": selector})
    }
    rows: list[tuple[Any, ...]] = []
    for item in items:
        name = (item.get("metadata") or {}).get("name", "")
        cpu, memory = _usage(item.get("usage") or {})
        allocatable = ((nodes.get(name) or {}).get("status") or {}).get("allocatable") or {}
        cpu_total = millicores(allocatable["cpu"]) if "cpu" in allocatable else 0
        memory_total = bytes_of(allocatable["memory"]) if "memory" in allocatable else 0
        rows.append((name, cpu, memory, cpu_total, memory_total))
    table = [
        (name, format_millicores(cpu), percent(cpu, cpu_total), format_mebibytes(memory), percent(memory, memory_total))
        for name, cpu, memory, cpu_total, memory_total in _sorted(rows, sort_by, 1)
    ]
    missing = sorted(set(nodes) - {row[0] for row in rows})
    table += [(name, "<unknown>", "<unknown>", "<unknown>", "<unknown>") for name in missing]
    return layout_table(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"], table)
