"""Query options of writes and lists (`dryRun`, `resourceVersion`/`resourceVersionMatch`), validated as the API
server validates CreateOptions, DeleteOptions and ListOptions."""

from __future__ import annotations

from aiohttp import web

from .status import ApiError


def dry_run_of(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    if not values:
        return False
    if any(value != "All" for value in values):
        listed = ", ".join(f'"{value}"' for value in values)
        raise ApiError(
            422,
            f'{_options_kind(request.method)}.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
            f'[]string{{{listed}}}: supported values: "All"',
            "Invalid",
            group="meta.k8s.io",
            kind=_options_kind(request.method),
        )
    return True


def exact_version_of(resource_version: str, match: str) -> int | None:
    """The version a list must show exactly (`resourceVersionMatch=Exact`), else None (the latest will do).

    Validated as the real ListOptions are: a match needs a version, and only `Exact`/`NotOlderThan` exist.
    """

    def invalid(message: str) -> ApiError:
        return ApiError(
            422, f'ListOptions.meta.k8s.io "" is invalid: {message}', "Invalid", group="meta.k8s.io", kind="ListOptions"
        )

    if resource_version:
        try:
            number = int(resource_version)
        except ValueError as error:
            raise ApiError(400, f"invalid resource version: {resource_version}", "BadRequest") from error
    if not match:
        return None
    if match not in ("Exact", "NotOlderThan"):
        raise invalid(f'resourceVersionMatch: Unsupported value: "{match}": supported values: "Exact", "NotOlderThan"')
    if not resource_version:
        raise invalid(
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
        )
    if match == "Exact" and number == 0:
        raise invalid(
            'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
        )
    return number if match == "Exact" else None


def _options_kind(method: str) -> str:
    return {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions"}.get(method, "DeleteOptions")
