"""The audit trail: one database record per tool call, arguments stripped of secrets."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import yaml
from django.db import connections, router
from django.utils import timezone

from k8stools.formatting.documents import load_documents
from k8stools.formatting.slim import LAST_APPLIED
from k8stools.models import AuditRecord

REDACTED = "***REDACTED***"
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|api[-_]?key|credential|private[-_]?key)")
# Arguments that name the kind a call is about (get/patch/delete take resourceType, generators kind).
_KIND_ARGUMENTS = ("kind", "resourceType")
SECRET_DATA_FIELDS = frozenset({"data", "stringData"})
MAX_ARGUMENTS_BYTES = 8 * 1024
# Text longer than this is not parsed to look for secrets: it is redacted whole in a Secret call.
MAX_PARSED_TEXT = 256 * 1024
# Text of these characters alone (a name, a namespace, a kind, a selector) cannot be a YAML mapping, hold a key
# or say `kind: Secret` (no ':', '{', '[', '?', space or line break), so parsing it could change nothing: it was
# half of a `list` call's audit record.
_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9._/=,-]*")


def redact_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """A copy of `arguments` without secret values, whatever form a manifest or patch takes.

    Secret-named keys lose their values (their whole subtree), and when the call is about a Secret
    (by its kind argument or a manifest that declares one) so do `data`/`stringData`, the values of
    JSON-patch operations and the last-applied annotation. Text arguments that parse as JSON or
    YAML (one or several documents) are redacted the same way and kept as the redacted documents;
    text in a Secret call that does not parse is redacted whole.
    """
    in_secret = _mentions_secret(arguments)
    redacted = {key: _redact(value, in_secret=in_secret) for key, value in arguments.items()}
    encoded = json.dumps(redacted, default=str)
    if len(encoded) > MAX_ARGUMENTS_BYTES:
        return {"_truncated": True, "_bytes": len(encoded), "keys": sorted(arguments)}
    return redacted


def _is_secret_kind(value: Any) -> bool:
    """`Secret`, `secrets`, `secrets.v1.`, `v1/secrets`...: any spelling that resolves to Secrets."""
    parts = re.split(r"[./\s]+", str(value or "").lower())
    return any(part in ("secret", "secrets") for part in parts)


def _mentions_secret(value: Any) -> bool:
    if isinstance(value, dict):
        if any(_is_secret_kind(value.get(key)) for key in _KIND_ARGUMENTS):
            return True
        return any(_mentions_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(_mentions_secret(item) for item in value)
    if isinstance(value, str):
        if re.search(r"(?im)^[\s-]*[\"']?kind[\"']?\s*:\s*[\"']?secret[\"']?\s*,?\s*$", value):
            return True
        documents = _documents(value)
        return documents is not None and _mentions_secret(documents)
    return False


def _documents(text: str) -> list[Any] | None:
    """The JSON or YAML documents in `text` when it holds a mapping or a list, else None."""
    if len(text) > MAX_PARSED_TEXT or _PLAIN_SCALAR.fullmatch(text):
        return None
    try:
        documents = load_documents(text)
    # Not only YAMLError: PyYAML's constructors raise ValueError ("0x_"), and the record must still be written.
    except Exception:  # noqa: BLE001
        return None
    return documents if any(isinstance(document, dict | list) for document in documents) else None


def _redact(value: Any, *, in_secret: bool) -> Any:
    if isinstance(value, dict):
        result = {}
        patch_operation = in_secret and "op" in value and "path" in value
        for key, item in value.items():
            if _SECRET_KEY.search(str(key)):
                result[key] = _redacted_leaves(item)
            elif (
                (in_secret and key in SECRET_DATA_FIELDS) or key == LAST_APPLIED or (patch_operation and key == "value")
            ):
                result[key] = REDACTED
            else:
                result[key] = _redact(item, in_secret=in_secret)
        return result
    if isinstance(value, list):
        return [_redact(item, in_secret=in_secret) for item in value]
    if isinstance(value, str):
        return _redacted_text(value, in_secret=in_secret)
    return value


def _redacted_text(text: str, *, in_secret: bool) -> str:
    documents = _documents(text)
    if documents is None:
        # Not a manifest: a name or a value. In a Secret call, text that looks like a document but does
        # not parse could still hold the data, so it goes whole.
        looks_like_document = "\n" in text or ":" in text or text.lstrip().startswith(("{", "["))
        return REDACTED if in_secret and looks_like_document else text
    redacted = [_redact(document, in_secret=in_secret) for document in documents]
    if redacted == documents:
        return text
    if text.lstrip().startswith(("{", "[")) and len(redacted) == 1:
        return json.dumps(redacted[0])
    return yaml.safe_dump_all(redacted, sort_keys=False)


def _redacted_leaves(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _redacted_leaves(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted_leaves(item) for item in value]
    return value if value is None or isinstance(value, bool) else REDACTED


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
    identity: str = "",
) -> None:
    """Write one audit record, committed (autocommit) or in the caller's transaction, before the caller answers."""
    _insert(
        created=timezone.now(),
        user=user[:254],
        identity=identity[:300],
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


def _insert(**values: Any) -> None:
    """One INSERT of every column but the id, as `AuditRecord.objects.create` would send, less its model work.

    The ORM's create built an instance, compiled the statement and asked the new id back (RETURNING), about a
    third of the record's cost on a trivial call; nothing reads the id or listens for the save. The columns come
    from the model, so a new field without a default here fails loudly (KeyError) rather than going unrecorded.
    """
    connection = connections[router.db_for_write(AuditRecord)]
    fields = _columns()
    key = (connection.alias, connection.vendor)
    statement = _statements.get(key)
    if statement is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table = quote(AuditRecord._meta.db_table)
        statement = _statements[key] = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    parameters = [field.get_db_prep_save(values[field.attname], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(statement, parameters)


_statements: dict[tuple[str, str], str] = {}


@functools.cache
def _columns() -> list[Any]:
    return [field for field in AuditRecord._meta.concrete_fields if not field.primary_key]
