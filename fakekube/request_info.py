"""What a request is about, parsed from its path the way the API server's RequestInfoFactory does.

Used for routing, authorization and request recording alike, so all three agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from .impersonation import Subject

# Pod/node/service subresources that open a stream or proxy rather than read or write an object.
CONNECT_SUBRESOURCES = {"exec", "attach", "portforward", "proxy"}
_NAMESPACE_SUBRESOURCES = {"status", "finalize"}


@dataclass(frozen=True)
class RequestInfo:
    is_resource: bool
    path: str
    verb: str
    group: str = ""
    version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str | None = None
    name: str = ""
    prefix: str = ""
    http_verb: str = ""

    @property
    def rbac_verb(self) -> str:
        """The verb RBAC checks: exec/attach/portforward need `create`, proxy follows the HTTP method."""
        if self.verb != "connect":
            return self.verb
        return self.http_verb if self.subresource == "proxy" else "create"


# Where the middleware leaves what it learnt about a request, for the handlers.
REQUEST_INFO = web.RequestKey("request_info", RequestInfo)
SUBJECT = web.RequestKey("subject", Subject)
IDENTITY: web.RequestKey[str | None] = web.RequestKey("identity", str | None)  # type: ignore[arg-type]  # the authenticated username, or None


def parse_request(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    parts = [part for part in path.strip("/").split("/") if part]
    http_verb = {
        "GET": "get",
        "HEAD": "get",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete",
    }.get(method.upper(), method.lower())
    if not parts or parts[0] not in ("api", "apis"):
        return RequestInfo(False, path, http_verb)
    prefix = parts[0]
    if prefix == "api":
        if len(parts) < 2:
            return RequestInfo(False, path, http_verb, prefix=prefix)
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 3:
            return RequestInfo(False, path, http_verb, group=parts[1] if len(parts) > 1 else "", prefix=prefix)
        group, version, rest = parts[1], parts[2], parts[3:]
    if not rest:
        return RequestInfo(False, path, http_verb, group=group, version=version, prefix=prefix)

    watch_prefix = False
    if rest[0] == "watch":
        watch_prefix, rest = True, rest[1:]

    namespace: str | None = None
    if rest and rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""

    verb = http_verb
    if watch_prefix or (query.get("watch", "").lower() in ("1", "true") and method.upper() == "GET"):
        verb = "watch"
    elif http_verb == "get" and not name:
        verb = "list"
    elif http_verb == "delete" and not name:
        verb = "deletecollection"
    if subresource in CONNECT_SUBRESOURCES:
        verb = "connect"
    return RequestInfo(True, path, verb, group, version, resource, subresource, namespace, name, prefix, http_verb)
