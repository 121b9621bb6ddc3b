"""`ApiRequest`: the one way a request to the Kubernetes API server is addressed.

A request is a value, never a string: method, group/version/resource, namespace, name, subresource,
query pairs and body. Its URL path comes from `path_segments` and `ApiRequest.path` alone: every part
is validated where the value is built (names and namespaces by the rules Kubernetes applies to that
kind) and every segment is percent-encoded, so no argument can add a segment, climb out of one
(`..`), or start a query or fragment. Requests outside the resource tree (`/version`, discovery,
OpenAPI) come from fixed templates in `nonresource`, whose variable parts are validated too.
The guard (k8stools.guard) decides on these parts and checks the final URL against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from k8stools.names import InvalidName, check_namespace, check_node_name, check_object_name

JSON = "application/json"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

_GROUP = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_VERSION = re.compile(r"v[0-9]+((alpha|beta)[0-9]+)?|[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_RESOURCE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBRESOURCE = re.compile(r"[a-z][a-z0-9]*")
_QUERY_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# A segment of a fixed template's variable part (a node proxy path, an OpenAPI group version).
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


class Kind(Protocol):
    """What addressing needs of a kind (`k8stools.kube.ResourceType` is one)."""

    @property
    def group(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def namespaced(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class FixedKind:
    """A built-in kind whose address is known without discovery (pods, nodes, replicasets...)."""

    group: str
    version: str
    name: str
    namespaced: bool = True


PODS = FixedKind("", "v1", "pods")
SERVICES = FixedKind("", "v1", "services")
SECRETS = FixedKind("", "v1", "secrets")
NODES = FixedKind("", "v1", "nodes", namespaced=False)
NAMESPACES = FixedKind("", "v1", "namespaces", namespaced=False)


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One request to the API server, addressed by its parts. Build it with `resource_request` or `nonresource`."""

    method: str = "GET"
    group: str = ""
    version: str = ""
    resource: str = ""
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    # Segments after the subresource (a node proxy's `stats/summary`); validated like `nonresource` parts.
    subpath: tuple[str, ...] = ()
    # The whole path of a request outside the resource tree (`("version",)`, `("openapi", "v3")`).
    nonresource: tuple[str, ...] = ()
    # A directory (a node's /var/log listing): the path ends with "/".
    trailing_slash: bool = False
    query: tuple[tuple[str, str], ...] = ()
    body: Any = field(default=None, compare=False)
    content_type: str = JSON
    accept: str = JSON

    @property
    def is_resource(self) -> bool:
        return not self.nonresource

    @property
    def segments(self) -> tuple[str, ...]:
        """The path's segments, not yet encoded."""
        return path_segments(self)

    @property
    def path(self) -> str:
        """The URL path: each segment percent-encoded, so a segment can never become two."""
        path = "/" + "/".join(quote(segment, safe="") for segment in self.segments)
        return path + "/" if self.trailing_slash else path

    @property
    def url(self) -> str:
        """Path and query, for messages and tests; the kubernetes client encodes the query it sends itself."""
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    @property
    def touched_namespace(self) -> str | None:
        """The namespace this request reaches into, or touches as an object (a Namespace's own name)."""
        if self.namespace:
            return self.namespace
        if self.is_resource and self.group == "" and self.resource == "namespaces" and self.name:
            return self.name
        return None

    def with_query(self, *pairs: tuple[str, Any]) -> ApiRequest:
        """The same request with `pairs` added to its query (a key given again replaces the old values)."""
        added = _query_pairs(pairs)
        keys = {key for key, _ in added}
        return replace(self, query=tuple(item for item in self.query if item[0] not in keys) + added)


def path_segments(request: ApiRequest) -> tuple[str, ...]:
    """The one function that lays out a request path: `/api/v1[/namespaces/ns]/resource[/name[/sub[/...]]]`."""
    if request.nonresource:
        return request.nonresource
    segments: tuple[str, ...] = ("apis", request.group, request.version) if request.group else ("api", request.version)
    if request.namespace:
        segments += ("namespaces", request.namespace)
    if request.resource:
        segments += (request.resource,)
        if request.name:
            segments += (request.name,)
            if request.subresource:
                segments += (request.subresource, *request.subpath)
    return segments


def resource_request(
    kind: Kind,
    *,
    method: str = "GET",
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
    subpath: Iterable[str] = (),
    trailing_slash: bool = False,
    query: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
    body: Any = None,
    content_type: str = JSON,
    accept: str = JSON,
) -> ApiRequest:
    """A request for objects of `kind`: one (with `name`), or a collection; validated, or `InvalidName`.

    `namespace` is dropped for a cluster-scoped kind, as kubectl does.
    """
    method = _method(method)
    group = _checked(_GROUP, kind.group, "API group", allow_empty=True)
    version = _checked(_VERSION, kind.version, "API version")
    resource = _checked(_RESOURCE, kind.name, "resource")
    namespace = check_namespace(namespace) if kind.namespaced and namespace else None
    if name is not None:
        if resource == "nodes" and group == "":
            name = check_node_name(name)
        else:
            name = check_object_name(name, group=group, resource=resource)
    parts = tuple(subpath)
    if subresource is not None:
        if name is None:
            raise InvalidName(f"the {subresource} subresource needs an object name")
        subresource = _checked(_SUBRESOURCE, subresource, "subresource")
    if parts and subresource is None:
        raise InvalidName("a subpath needs a subresource")
    return ApiRequest(
        method=method,
        group=group,
        version=version,
        resource=resource,
        namespace=namespace,
        name=name,
        subresource=subresource,
        subpath=tuple(_plain(part) for part in parts),
        trailing_slash=trailing_slash,
        query=_query_pairs(query),
        body=body,
        content_type=content_type,
        accept=accept,
    )


def node_proxy_request(node: str, *path: str, directory: bool = False) -> ApiRequest:
    """A GET through the API server's proxy to a node's kubelet: `/api/v1/nodes/{node}/proxy/{path...}`."""
    return resource_request(NODES, name=node, subresource="proxy", subpath=path, trailing_slash=directory)


def group_version_request(group: str, version: str) -> ApiRequest:
    """Discovery of one group version: `/api/v1` or `/apis/{group}/{version}`."""
    return ApiRequest(
        group=_checked(_GROUP, group, "API group", allow_empty=True), version=_checked(_VERSION, version, "API version")
    )


def nonresource(*segments: str, query: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> ApiRequest:
    """A GET outside the resource tree from a fixed template: `nonresource("version")`, `nonresource("apis")`,
    `nonresource("openapi", "v3", "apis", group, version)`. Each segment must be a plain segment."""
    if not segments:
        raise InvalidName("a request needs a path")
    return ApiRequest(nonresource=tuple(_plain(segment) for segment in segments), query=_query_pairs(query))


def _method(method: str) -> str:
    upper = method.upper()
    if upper not in METHODS:
        raise InvalidName(f"unknown HTTP method {method!r}")
    return upper


def _checked(pattern: re.Pattern[str], value: str, what: str, *, allow_empty: bool = False) -> str:
    if allow_empty and value == "":
        return value
    if not isinstance(value, str) or len(value) > 253 or not pattern.fullmatch(value):
        raise InvalidName(f"{value!r} is not a valid {what}")
    return value


def _plain(segment: str) -> str:
    if not isinstance(segment, str) or not _PLAIN_SEGMENT.fullmatch(segment) or segment in (".", ".."):
        raise InvalidName(f"{segment!r} is not a valid path segment: letters, digits, '.', '_' and '-', not '..'")
    return segment


def _query_pairs(query: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> tuple[tuple[str, str], ...]:
    """The query as (key, text) pairs: None values dropped, booleans as `true`/`false`, keys plain words."""
    items = query.items() if isinstance(query, Mapping) else query
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        if value is None:
            continue
        if not isinstance(key, str) or not _QUERY_KEY.fullmatch(key):
            raise InvalidName(f"{key!r} is not a valid query parameter name")
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        pairs.append((key, text))
    return tuple(pairs)
