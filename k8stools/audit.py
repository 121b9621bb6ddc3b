"""The audit trail: one database record per tool call, arguments stripped of secrets."""

from __future__ import annotations

import json
import re
from typing import Any

from k8stools.models import AuditRecord

REDACTED = "***REDACTED***"
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|api[-_]?key|credential|private[-_]?key)")
MAX_ARGUMENTS_BYTES = 8 * 1024


def redact_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """A copy of `arguments` without secret values: secret-named keys, and Secret data in manifests."""
    redacted = _redact(arguments, in_secret=_mentions_secret(arguments))
    encoded = json.dumps(redacted, default=str)
    if len(encoded) > MAX_ARGUMENTS_BYTES:
        return {"_truncated": True, "_bytes": len(encoded), "keys": sorted(arguments)}
    return redacted


def _mentions_secret(value: Any) -> bool:
    if isinstance(value, dict):
        kind = str(value.get("kind") or value.get("resourceType") or "").lower()
        return kind in ("secret", "secrets") or any(_mentions_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(_mentions_secret(item) for item in value)
    if isinstance(value, str):
        return bool(re.search(r"(?im)^\s*kind:\s*\"?secret\"?\s*$", value))
    return False


def _redact(value: Any, *, in_secret: bool) -> Any:
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            secret_named = bool(_SECRET_KEY.search(str(key))) and not isinstance(item, dict | list)
            secret_data = in_secret and key in ("data", "stringData")
            if secret_named or secret_data:
                result[key] = REDACTED
            else:
                result[key] = _redact(item, in_secret=in_secret)
        return result
    if isinstance(value, list):
        return [_redact(item, in_secret=in_secret) for item in value]
    if isinstance(value, str) and in_secret and ("data:" in value or "stringData:" in value or '"data"' in value):
        # A manifest given as text: the whole document could carry the secret.
        return REDACTED
    return value


def record_call(
    *,
    user: str,
    tool: str,
    operation: str,
    outcome: str,
    duration_ms: float,
    arguments: dict[str, Any],
    context: str = "",
    namespace: str = "",
    kind: str = "",
    name: str = "",
    dry_run: bool = False,
    message: str = "",
    request_id: str = "",
) -> AuditRecord:
    return AuditRecord.objects.create(
        user=user[:254],
        tool=tool[:64],
        operation=operation[:32],
        outcome=outcome,
        duration_ms=round(duration_ms, 3),
        arguments=redact_arguments(arguments),
        context=context[:253],
        namespace=namespace[:63],
        kind=kind[:253],
        name=name[:253],
        dry_run=dry_run,
        message=message[:500],
        request_id=request_id[:64],
    )
