"""`Status` bodies, the error format of every Kubernetes API response that is not an object.

The real API server answers every failure with a `meta/v1 Status` object whose `code`
matches the HTTP status and whose `reason` is one of a fixed set of words; clients
(the `kubernetes` Python client, kubectl, client-go) read both. Everything in the fake
that fails goes out through `status_response`, so the shape is written once.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

# HTTP code -> the `reason` the real API server sends with it when nothing more specific applies.
DEFAULT_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def status_body(
    code: int, message: str, reason: str | None = None, *, empty_details: bool = False, **details: Any
) -> dict[str, Any]:
    """A `Status` object as the API server writes it (`details` when given, or empty where the server sends `{}`)."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if code < 400 else "Failure",
        "message": message,
        "reason": reason or DEFAULT_REASONS.get(code, ""),
        "code": code,
    }
    details = {key: value for key, value in details.items() if value not in ("", None)}
    if details or empty_details:
        body["details"] = details
    return body


def status_response(
    code: int, message: str, reason: str | None = None, headers: dict[str, str] | None = None, **details: Any
) -> web.Response:
    """An aiohttp response carrying a `Status` body with the matching HTTP status."""
    return web.json_response(status_body(code, message, reason, **details), status=code, headers=headers)


def not_found(resource: str, name: str, group: str = "") -> web.Response:
    """404 in the real wording: `pods "web-1" not found` (`deployments.apps "web" not found`)."""
    qualified = f"{resource}.{group}" if group else resource
    return status_response(404, f'{qualified} "{name}" not found', "NotFound", name=name, group=group, kind=resource)


class ApiError(Exception):
    """A failure the REST layer turns into a `Status` response; raised anywhere below the handlers."""

    def __init__(
        self, code: int, message: str, reason: str | None = None, headers: dict[str, str] | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.headers = headers
        self.details = details

    def body(self) -> dict[str, Any]:
        return status_body(self.code, self.message, self.reason, **self.details)

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.code, headers=self.headers)


def not_found_error(group_resource: str, name: str, group: str, plural: str) -> ApiError:
    """`deployments.apps "web" not found`, as an exception."""
    return ApiError(404, f'{group_resource} "{name}" not found', "NotFound", name=name, group=group, kind=plural)


def invalid_error(kind: str, name: str, group: str, causes: list[dict[str, str]]) -> ApiError:
    """422 `Pod "x" is invalid: field: message`, listing each cause like the real validator."""
    qualified = f"{kind}.{group}" if group else kind
    summary = "; ".join(f"{cause['field']}: {cause['message']}" for cause in causes)
    if len(causes) > 1:
        summary = "[" + ", ".join(f"{cause['field']}: {cause['message']}" for cause in causes) + "]"
    return ApiError(
        422, f'{qualified} "{name}" is invalid: {summary}', "Invalid", name=name, group=group, kind=kind, causes=causes
    )
