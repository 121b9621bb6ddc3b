"""The guardrail invariants, checked on what the fake API server recorded and on everything a client saw.

Each check returns a list of violations (empty when the invariant holds), each a line that says what
happened, so a failing property names every broken rule of one example at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from fakekube.recording import RecordedRequest

ACCESS_REVIEWS = frozenset({"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STREAM_SUBRESOURCES = frozenset({"exec", "attach", "portforward"})


def shown(request: RecordedRequest) -> str:
    query = "&".join(f"{key}={value}" for key, value in request.query.items())
    return f"{request.method} {request.path}{'?' + query if query else ''}"


def is_write(request: RecordedRequest) -> bool:
    """A request that changes state or opens a stream into a pod (an access review stores nothing)."""
    if request.resource in ACCESS_REVIEWS:
        return False
    return request.method in WRITE_METHODS or request.subresource in STREAM_SUBRESOURCES


def restricted_requests(requests: Iterable[RecordedRequest], restricted: frozenset[str]) -> list[str]:
    """Requests that touched a restricted namespace, or the Namespace object of one."""
    found = []
    for request in requests:
        segments = request.path.split("/")
        namespace_object = request.resource == "namespaces" and request.name in restricted
        in_path = any(
            segments[index] == "namespaces" and segments[index + 1] in restricted for index in range(len(segments) - 1)
        )
        if request.namespace in restricted or namespace_object or in_path:
            found.append(f"touched a restricted namespace: {shown(request)}")
    return found


def writes(requests: Iterable[RecordedRequest]) -> list[str]:
    """Every write that arrived (non-destructive mode allows none, nor does any read-only tool)."""
    return [f"a write arrived where none may: {shown(request)}" for request in requests if is_write(request)]


def writes_without_dry_run(requests: Iterable[RecordedRequest]) -> list[str]:
    """Writes that did not carry `dryRun=All` as the server parsed the query (dry-run mode allows none)."""
    return [
        f"a write without dryRun=All arrived in dry-run mode: {shown(request)}"
        for request in requests
        if is_write(request) and request.query.get("dryRun") != "All"
    ]


@dataclass(frozen=True)
class Output:
    """Something a client or an operator sees: a tool result, a resource, a prompt, a completion, a log line,
    an audit record."""

    where: str
    text: str


def leaked(outputs: Iterable[Output], secrets: Iterable[str], *, unless_given: str = "") -> list[str]:
    """Outputs that contain one of `secrets`; a value the caller sent itself (in `unless_given`) is only echoed."""
    found = []
    wanted = [secret for secret in secrets if secret not in unless_given]
    for output in outputs:
        for secret in wanted:
            if secret in output.text:
                at = output.text.index(secret)
                context = output.text[max(0, at - 80) : at + len(secret) + 40]
                found.append(f"{output.where} shows {secret!r}: ...{context!r}...")
    return found


def as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
