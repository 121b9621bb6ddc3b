"""Reading objects: `get` one, `list` many (tables, summaries or YAML, paged), `describe` one in context."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from k8stools.formatting.describe import NOISY_ANNOTATION_PREFIXES, render_describe
from k8stools.formatting.documents import to_yaml
from k8stools.formatting.secrets import mask_secrets
from k8stools.formatting.slim import OutputForm, prune
from k8stools.formatting.summary import summarize
from k8stools.formatting.tables import render_table
from k8stools.gcpause import collection_paused
from k8stools.kube import ResourceType
from k8stools.memory import BIG_LIST_ITEMS
from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.listing import (
    DEFAULT_LIMIT,
    EVENT_SCAN_WINDOW,
    MAX_LIMIT,
    SUMMARY_SCAN_LIMIT,
    ListPage,
    bounded_when_big,
    combine_selectors,
    event_window,
    exclusion_selector,
    is_event_kind,
    keyword_arguments,
    list_page,
    next_page_line,
    noun,
    scan,
)
from k8stools.tools.registry import kube_tool
from k8stools.tools.related import DEFAULT_EVENTS_LIMIT, MAX_EVENTS_LIMIT, object_events, related_objects
from k8stools.tools.target import resolve_target

ResourceTypeArg = Annotated[
    str,
    Field(
        description="Kind: plural, singular, Kind or short name (po, deploy, svc), CRDs too; api_resources lists them"
    ),
]
ApiGroupArg = Annotated[
    str | None,
    Field(description="API group when the kind exists in several: apps, networking.k8s.io, apps/v1; core = ''"),
]
NamespaceArg = Annotated[
    str | None, Field(description="Namespace; default from the server config; ignored for cluster-scoped kinds")
]
OutputArg = Annotated[
    Literal["slim", "normal", "wide", "full"],
    Field(description="slim (default): noisy fields removed; normal: bookkeeping removed; wide/full: everything"),
]

# Objects written out to estimate the size of a page of YAML before writing all of it.
SIZE_SAMPLE = 20


def _scope_note(resource: ResourceType, namespace: str | None) -> list[str]:
    if namespace and not resource.namespaced:
        return [f"{resource.name} are cluster-scoped; namespace '{namespace}' was ignored"]
    return []


def _with_kind(obj: dict[str, Any], resource: ResourceType) -> dict[str, Any]:
    # Masking recognises Secrets by kind; an API server always sends it, but a missing one must not leak data.
    if "kind" not in obj:
        obj["kind"] = resource.kind
    return obj


@kube_tool("get", operation="get", title="Get a resource", read_only=True, idempotent=True, alias=True)
def get(
    call: ToolCall,
    resourceType: ResourceTypeArg,
    name: Annotated[str, Field(description="Object name")],
    namespace: NamespaceArg = None,
    apiGroup: ApiGroupArg = None,
    output: OutputArg = "slim",
) -> str:
    """Get one object by kind and name as YAML (noisy fields removed unless output is wide/full; secrets masked).

    Use describe instead to see the object's events and related objects, list to find names."""
    client = call.client()
    target = resolve_target(call, client, resourceType, apiGroup, verb="get", name=name, namespace=namespace)
    resource = target.kind
    obj = client.request(target.request())
    text = to_yaml(prune(mask_secrets(_with_kind(obj, resource)), output))
    return "".join(f"# {note}\n" for note in _scope_note(resource, namespace)) + text


@kube_tool("list", operation="list", title="List resources", read_only=True, idempotent=True, alias=True)
@bounded_when_big
@keyword_arguments(**{"continue": "continue_"})
def list_(
    call: ToolCall,
    resourceType: ResourceTypeArg,
    namespace: NamespaceArg = None,
    apiGroup: ApiGroupArg = None,
    labelSelector: Annotated[str | None, Field(description="Label selector, e.g. app=web,tier!=db")] = None,
    fieldSelector: Annotated[
        str | None, Field(description="Field selector, e.g. status.phase=Running, spec.nodeName=node-1")
    ] = None,
    allNamespaces: Annotated[bool, Field(description="List in every namespace (restricted ones excluded)")] = False,
    limit: Annotated[
        int,
        Field(
            ge=1,
            le=MAX_LIMIT,
            description=f"Objects per page, default {DEFAULT_LIMIT}, max {MAX_LIMIT}; "
            "the answer gives a continue token when there are more",
        ),
    ] = DEFAULT_LIMIT,
    continue_: Annotated[
        str | None, Field(alias="continue", description="Continue token from the previous page (same other arguments)")
    ] = None,
    summary: Annotated[
        bool, Field(description=f"Counts by status and namespace instead of rows (up to {SUMMARY_SCAN_LIMIT} objects)")
    ] = False,
    fullOutput: Annotated[bool, Field(description="The objects as YAML instead of a table (see output)")] = False,
    includeLabels: Annotated[bool, Field(description="Add a LABELS column to the table")] = False,
    includeAnnotations: Annotated[bool, Field(description="Add each object's annotations under the table")] = False,
    output: Annotated[
        Literal["slim", "normal", "wide", "full"] | None,
        Field(
            description="Table: wide adds columns. With fullOutput: slim (default), normal, wide or full objects; "
            "full alone also gives full objects"
        ),
    ] = None,
) -> str:
    """List objects of one kind as a compact table (kubectl columns), newest events first.

    Pages with limit/continue; nothing is skipped between pages. summary: true gives counts for large
    lists; fullOutput: true gives the objects as YAML. Narrow with labelSelector/fieldSelector."""
    client = call.client()
    target = resolve_target(
        call, client, resourceType, apiGroup, verb="list", namespace=namespace, all_namespaces=allNamespaces
    )
    resource, scope = target.kind, target.scope
    assert scope is not None
    exclusion = exclusion_selector(call.policy, resource, scope.namespace)
    fields = combine_selectors(fieldSelector, exclusion)
    labels = labelSelector or ""
    notes = list(scope.notes) + (["restricted namespaces are excluded by the server policy"] if exclusion else [])
    if summary:
        page = scan(
            client,
            resource,
            scope.namespace,
            label_selector=labels,
            field_selector=fields,
            continue_token=continue_ or "",
        )
        return _summary_text(resource, scope.describe(resource), page, notes)
    if is_event_kind(resource) and not continue_:
        window = event_window(client, resource, scope.namespace, label_selector=labels, field_selector=fields)
        page = ListPage(window.events[:limit])
        notes += _event_window_notes(len(window.events), limit, window.window_full)
    else:
        page = list_page(
            client,
            resource,
            scope.namespace,
            label_selector=labels,
            field_selector=fields,
            limit=limit,
            continue_token=continue_ or "",
        )
        if is_event_kind(resource):
            notes.append("events of this page sorted newest first (pages follow the API server's name order)")
    footer = [f"{noun(resource, len(page.items))} {scope.describe(resource)}", *notes, next_page_line(page)]
    # Formatting hundreds of objects builds as many rows again, none cyclic: no collection meanwhile (see
    # k8stools.gcpause). Only this CPU-bound stretch: a pause around the request would last as long as the
    # API server takes, and overlapping calls could then keep the collector off for good.
    with collection_paused() if len(page.items) > BIG_LIST_ITEMS else nullcontext():
        if fullOutput or output == "full":
            return _objects_yaml(call, resource, page.items, output or "slim", footer)
        table = render_table(
            page.items,
            kind=resource.kind,
            wide=output == "wide",
            all_namespaces=scope.namespace is None,
            now=datetime.now(UTC),
            include_labels=includeLabels,
        )
    if includeAnnotations:
        table += _annotations_block(page.items)
    text = table + "\n\n" + "\n".join(line for line in footer if line)
    _check_size(call, len(text.encode("utf-8")), len(page.items), "as a table")
    return text


def _event_window_notes(found: int, limit: int, window_full: bool) -> list[str]:
    notes = []
    if window_full:
        notes.append(
            f"newest first among the first {EVENT_SCAN_WINDOW} events the API server returned (more exist); "
            "narrow with namespace or fieldSelector (type=Warning, involvedObject.name=...)"
        )
    if found > limit:
        notes.append(
            f"{found - limit} older events not shown; raise limit (max {MAX_LIMIT}) or narrow with fieldSelector"
        )
    return notes


def _summary_text(resource: ResourceType, where: str, page: ListPage, notes: list[str]) -> str:
    lines = [summarize(page.items, kind=resource.kind), f"({where})", *notes]
    if page.continue_token:
        more = f"{page.remaining} more" if page.remaining is not None else "more"
        lines.append(
            f"counted the first {len(page.items)}; {more} not counted: call again with continue: "
            f'"{page.continue_token}" to count the rest'
        )
    return "\n".join(lines)


def _objects_yaml(
    call: ToolCall, resource: ResourceType, items: list[dict[str, Any]], form: OutputForm, footer: list[str]
) -> str:
    def dump(some: list[dict[str, Any]]) -> str:
        document = {"apiVersion": resource.api_version, "kind": f"{resource.kind}List", "items": some}
        return to_yaml(prune(mask_secrets(document), form))

    if len(items) > SIZE_SAMPLE:
        # YAML costs milliseconds per object: refuse a page that clearly cannot fit before writing all of it.
        estimate = len(dump(items[:SIZE_SAMPLE]).encode("utf-8")) * len(items) // SIZE_SAMPLE
        if estimate > call.config.max_response_bytes * 1.25:
            _check_size(call, estimate, len(items), "as YAML")
    text = dump(items) + "".join(f"# {line}\n" for line in footer if line)
    _check_size(call, len(text.encode("utf-8")), len(items), "as YAML")
    return text


def _check_size(call: ToolCall, size: int, count: int, form: str) -> None:
    """Refuse a page too big to answer, saying which limit would fit (instead of the runner's generic error)."""
    budget = call.config.max_response_bytes
    if size <= budget or count <= 1:
        return
    # A margin for the parts that do not shrink with the page: header, footer, column widths.
    fitting = max(1, int(count * budget / size * 0.8))
    table = ", or use the table (fullOutput: false)" if form == "as YAML" else ""
    raise ToolInputError(
        f"these {count} objects come to about {size} bytes {form}, over the {budget}-byte answer limit; "
        f"ask for limit: {fitting} and page with continue{table}, or narrow the selectors"
    )


def _annotations_block(items: list[dict[str, Any]]) -> str:
    lines = []
    for item in items:
        metadata = item.get("metadata") or {}
        annotations = {
            key: value
            for key, value in (metadata.get("annotations") or {}).items()
            if not key.startswith(NOISY_ANNOTATION_PREFIXES)
        }
        if annotations:
            text = ", ".join(f"{key}={value}" for key, value in sorted(annotations.items()))
            lines.append(f"  {metadata.get('name')}: {text}")
    return "\n\nAnnotations:\n" + "\n".join(lines) if lines else "\n\nAnnotations: <none>"


@kube_tool("describe", operation="describe", title="Describe a resource", read_only=True, idempotent=True, alias=True)
def describe(
    call: ToolCall,
    resourceType: ResourceTypeArg,
    name: Annotated[str, Field(description="Object name")],
    namespace: NamespaceArg = None,
    apiGroup: ApiGroupArg = None,
    eventsLimit: Annotated[
        int, Field(ge=1, le=MAX_EVENTS_LIMIT, description=f"Events shown, newest first; default {DEFAULT_EVENTS_LIMIT}")
    ] = DEFAULT_EVENTS_LIMIT,
    output: Annotated[
        Literal["slim", "normal", "wide", "full"],
        Field(description="slim (default): the describe view; normal/wide/full also append the object as YAML"),
    ] = "slim",
) -> str:
    """Describe one object like kubectl describe: key facts, related objects (a Deployment's ReplicaSets and pods,
    a Service's endpoints and pods, a Node's pods), owner, and its events newest first. Start here for a problem."""
    client = call.client()
    target = resolve_target(call, client, resourceType, apiGroup, verb="get", name=name, namespace=namespace)
    resource, ns = target.kind, target.namespace
    obj = _with_kind(client.request(target.request()), resource)
    related = related_objects(client, call.policy, obj, resource)
    found = object_events(client, call.policy, resource, ns, name, eventsLimit)
    text = render_describe(obj, events=found.events, related=related.sections, now=datetime.now(UTC))
    notes = _scope_note(resource, namespace) + related.notes
    if found.total > len(found.events):
        notes.append(f"{found.total - len(found.events)} older events not shown (eventsLimit {eventsLimit})")
    if found.window_full:
        notes.append(f"events searched among the first {EVENT_SCAN_WINDOW} matching; older ones may exist")
    if output != "slim":
        text += "\n\nObject:\n" + to_yaml(prune(mask_secrets(obj), output))
    return text + ("\n\n" + "\n".join(notes) if notes else "")
