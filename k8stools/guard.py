"""`GuardedClient`: the policy applied to every request on its way to the API server.

Tools never hold a bare `KubeClient`; they get a `GuardedClient` for their operation, and it takes
only `ApiRequest` values (k8stools.apirequest), never a path string. It decides on the request's
parts: a restricted namespace is refused (the Namespace object itself included), a write by an
operation the policy forbids is refused, a write in dry-run mode gets `dryRun=All` added to its
query, and lists that span namespaces come back without the restricted ones (and without events
about objects in them). As a last check it
parses the final URL as urllib3 will send it and refuses the request when the URL disagrees with
the value it was built from (another segment, a dot segment, another query, no `dryRun=All`).
Streams (exec, port-forward, followed logs) take a checked request too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, unquote

from urllib3.util import parse_url

from k8stools.apirequest import ApiRequest
from k8stools.config import MUTATING_OPERATIONS
from k8stools.kube import KubeClient, ResourceType, UrlCheck
from k8stools.kube_streams import ExecOutput, exec_in_pod
from k8stools.namespace_filters import REFERENCING_RESOURCES, body_namespaces, references_restricted
from k8stools.policy import Policy, PolicyDenied

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Subresources that open a way into a running container: writes even on a GET.
CONNECT_SUBRESOURCES = frozenset({"exec", "attach", "portforward"})
# POSTs that only ask a question; they change nothing in the cluster.
REVIEW_RESOURCES = frozenset(
    {
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectrulesreviews"),
        ("authorization.k8s.io", "subjectaccessreviews"),
        ("authentication.k8s.io", "tokenreviews"),
        ("authentication.k8s.io", "selfsubjectreviews"),
    }
)
DRY_RUN = ("dryRun", "All")
# What may be read through a node's proxy (the kubelet's log files and stats); the kubelet serves more (exec, run).
NODE_PROXY_PATHS = frozenset({"logs", "stats"})


class RequestMismatch(PolicyDenied):
    """The URL about to be sent does not say what the request value says: never sent."""


def is_write(request: ApiRequest) -> bool:
    """Does `request` change the cluster, or open a way into a container?"""
    if request.subresource in CONNECT_SUBRESOURCES:
        return True
    return request.method in WRITE_METHODS and (request.group, request.resource) not in REVIEW_RESOURCES


def verify_final_url(url: str, request: ApiRequest, *, host: str, dry_run_write: bool) -> None:
    """Refuse `url` (the request as serialised for urllib3) unless it says exactly what `request` says.

    urllib3 parses the URL before sending it and removes dot segments on the way: the URL is parsed
    here the same way, so what is compared is what the API server will receive.
    """
    sent, server = parse_url(url), parse_url(host)
    if (sent.scheme, sent.host, sent.port) != (server.scheme, server.host, server.port):
        raise RequestMismatch(f"refused: the request URL {url!r} does not go to the API server {host!r}")
    prefix = (server.path or "").rstrip("/")
    path = sent.path or ""
    if not path.startswith(prefix + "/"):
        raise RequestMismatch(f"refused: the request URL {url!r} is not below the API server's address")
    encoded = path[len(prefix) + 1 :].split("/")
    if request.trailing_slash and len(encoded) > 1 and encoded[-1] == "":
        encoded.pop()
    segments = tuple(unquote(segment) for segment in encoded)
    if any(segment in ("", ".", "..") or "/" in segment for segment in segments):
        raise RequestMismatch(f"refused: the request path {path!r} has an empty, dot or slashed segment")
    if segments != request.segments:
        raise RequestMismatch(f"refused: the request path {path!r} differs from the request {request.path!r}")
    if sent.fragment is not None:
        raise RequestMismatch(f"refused: the request URL {url!r} has a fragment")
    query = tuple(parse_qsl(sent.query or "", keep_blank_values=True))
    if query != request.query:
        raise RequestMismatch(f"refused: the query of {url!r} differs from the request's query")
    if dry_run_write and DRY_RUN not in query:
        raise RequestMismatch(f"refused: the dry-run write {url!r} does not carry dryRun=All")


@dataclass(frozen=True, slots=True)
class PodConnection:
    """A connect request (port-forward) the guard has allowed: streams to it may be opened later.

    It holds the bare client only for that one pod: `url_check` refuses any URL but this request's,
    with the query the caller adds (the port).
    """

    client: KubeClient
    request: ApiRequest

    @property
    def host(self) -> str:
        return self.client.host

    def url_check(self, request: ApiRequest) -> UrlCheck:
        """The last check for a stream of this connection (`request` is `self.request` with its query)."""
        if request.segments != self.request.segments or request.method != self.request.method:
            raise RequestMismatch("refused: a stream of this connection must go to the pod it was allowed for")

        def check(url: str) -> None:
            verify_final_url(url, request, host=self.client.host, dry_run_write=False)

        return check

    def pod(self, *, timeout: float = 10.0) -> dict[str, Any]:
        """The pod this connection goes to, as it is now (is it still there, still the same pod?)."""
        request = replace(self.request, method="GET", subresource=None, query=())

        def check(url: str) -> None:
            verify_final_url(url, request, host=self.client.host, dry_run_write=False)

        result: dict[str, Any] = self.client.request(request, timeout=timeout, url_check=check)
        return result


class GuardedClient:
    """A `KubeClient` seen through the policy, for one tool call of one `operation`."""

    def __init__(self, client: KubeClient, *, policy: Policy, operation: str) -> None:
        self._client = client
        self.policy = policy
        self.operation = operation

    @property
    def context(self) -> str:
        return self._client.context

    @property
    def host(self) -> str:
        return self._client.host

    @property
    def dry_run(self) -> bool:
        """True when this call's writes go out as `dryRun=All` and change nothing."""
        return self.policy.dry_run_for(self.operation)

    def check(self, request: ApiRequest) -> ApiRequest:
        """Refuse a request the policy forbids; else the request as it must be sent (`dryRun=All` added)."""
        if not request.is_resource and request.method != "GET":
            raise PolicyDenied(f"refused: {request.method} {request.path} is not a request kubemcp makes")
        self.policy.check_namespace(request.touched_namespace)
        if request.subresource == "proxy" and not _allowed_proxy(request):
            raise PolicyDenied(f"refused: kubemcp does not proxy {request.path}")
        if request.group == "" and request.resource == "namespaces" and isinstance(request.body, dict):
            self.policy.check_namespace((request.body.get("metadata") or {}).get("name"))
        if not is_write(request):
            return request
        if request.body is not None and self.policy.restricted_namespaces:
            # A write may not make an object name a restricted namespace (pre-bind a volume to a claim there,
            # bind its service accounts to a role), as no read may show one that does.
            self.policy.check_namespaces(sorted(body_namespaces(request.body) & self.policy.restricted_namespaces))
        if self.operation not in MUTATING_OPERATIONS:
            raise PolicyDenied(f"the {self.operation} operation only reads; it cannot change the cluster")
        self.policy.check_operation(self.operation)
        if not self.dry_run:
            return request
        if request.subresource in CONNECT_SUBRESOURCES:
            # An operation whose writes must be dry runs cannot open a way into a container.
            raise PolicyDenied(f"{request.subresource} cannot be sent as a dry run, and this call must be one")
        return request.with_query(DRY_RUN)

    def _url_check(self, request: ApiRequest) -> UrlCheck:
        dry_run_write = self.dry_run and is_write(request)

        def check(url: str) -> None:
            verify_final_url(url, request, host=self._client.host, dry_run_write=dry_run_write)

        return check

    def request(self, request: ApiRequest, *, timeout: float | None = 30.0) -> Any:
        """Send `request` if the policy allows it; the decoded JSON answer (wide lists filtered)."""
        sent = self.check(request)
        result = self._client.request(sent, timeout=timeout, url_check=self._url_check(sent))
        if sent.method != "GET" or not sent.is_resource:
            return result
        # One object may name a restricted namespace (an event about an object there, a PersistentVolume bound to
        # a claim there, a binding to its service accounts), whether it lives in a namespace or in none.
        self._check_references(result)
        return self._without_restricted(result, sent)

    def text(self, request: ApiRequest, *, timeout: float | None = 30.0) -> str:
        """GET a text resource (pod or node logs) if the policy allows it."""
        sent = self.check(request)
        return self._client.text(sent, timeout=timeout, url_check=self._url_check(sent))

    def stream_lines(self, request: ApiRequest, *, timeout: float | None = None) -> Iterator[str]:
        """GET a streaming text resource (followed logs) line by line, if the policy allows it."""
        sent = self.check(request)
        return self._client.stream_lines(sent, timeout=timeout, url_check=self._url_check(sent))

    def exec(self, request: ApiRequest, **options: Any) -> ExecOutput:
        """Run a command through the exec subresource `request` (its query holds the command), if allowed."""
        if request.subresource != "exec":
            raise PolicyDenied("refused: exec takes a request for the exec subresource")
        sent = self.check(request)
        return exec_in_pod(self._client, sent, url_check=self._url_check(sent), **options)

    def connect(self, request: ApiRequest) -> PodConnection:
        """Allow the port-forward `request`; streams to it are opened later through the `PodConnection`."""
        if request.subresource != "portforward":
            raise PolicyDenied("refused: connect takes a request for the portforward subresource")
        return PodConnection(self._client, self.check(request))

    def version(self, timeout: float = 10.0) -> dict[str, Any]:
        return self._client.version(timeout=timeout)

    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        return self._client.resource_types(refresh=refresh)

    def _check_references(self, result: Any) -> None:
        """Refuse one object that names a restricted namespace (a list's items are filtered instead)."""
        restricted = self.policy.restricted_namespaces
        if not restricted or not isinstance(result, dict) or isinstance(result.get("items"), list):
            return
        if references_restricted(result, restricted):
            raise PolicyDenied(
                "this object refers to a namespace restricted by the server policy (an event about an object "
                "there, a volume claimed from there, a binding to its service accounts, a Service there)"
            )

    def _without_restricted(self, result: Any, request: ApiRequest) -> Any:
        """Drop objects in restricted namespaces (and restricted Namespace objects, and objects that name a
        restricted namespace) from a list or a table."""
        restricted = self.policy.restricted_namespaces
        if not restricted or not isinstance(result, dict):
            return result
        if isinstance(result.get("items"), list):
            # List items carry no `kind` of their own; a NamespaceList's items are Namespaces.
            namespaces = result.get("kind") == "NamespaceList"
            result["items"] = [
                item for item in result["items"] if not _in_restricted(item, restricted, namespace_object=namespaces)
            ]
        if result.get("kind") == "Table" and isinstance(result.get("rows"), list):
            # A row of a referencing kind shows its references in its cells (a volume's CLAIM, a binding's
            # subjects): it is kept only when its whole object came with it and names no restricted namespace.
            referencing = (request.group, request.resource) in REFERENCING_RESOURCES
            result["rows"] = [
                row
                for row in result["rows"]
                if isinstance(row, dict)
                and not _in_restricted(_as_object(row.get("object")), restricted)
                and (_whole_object(row.get("object")) or not referencing)
            ]
        return result


def _allowed_proxy(request: ApiRequest) -> bool:
    """Only GETs of a node's log files and stats go through the API server's proxy."""
    return (
        request.method == "GET"
        and (request.group, request.resource) == ("", "nodes")
        and bool(request.subpath)
        and request.subpath[0] in NODE_PROXY_PATHS
    )


def _in_restricted(item: dict[str, Any], restricted: frozenset[str], *, namespace_object: bool = False) -> bool:
    metadata = item.get("metadata") or {}
    if metadata.get("namespace") in restricted or references_restricted(item, restricted):
        return True
    is_namespace = namespace_object or item.get("kind") == "Namespace"
    return is_namespace and metadata.get("name") in restricted


def _whole_object(found: Any) -> bool:
    """A table row's object in full (`includeObject=Object`), rather than its metadata or nothing."""
    return isinstance(found, dict) and bool(found.get("kind")) and found.get("kind") != "PartialObjectMetadata"


def _as_object(found: Any) -> dict[str, Any]:
    return found if isinstance(found, dict) else {}
