"""The server's logger: the standard `logging` module with structured fields.

`logger.with_fields(tool="list", namespace="default")` returns a logger that adds those fields
to every record; the text format appends them as `key=value`, the JSON format as keys.
While a request is served (`bound_request_id`), `RequestIdFilter` adds its id to every record,
ours or a library's, in whatever task or thread: the SDK hands each message's context to the
task that handles it, and anyio copies the context into its worker threads.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

# Where the ASGI layer leaves the request id in the request scope, for the tool call to read.
REQUEST_ID_SCOPE_KEY = "kubemcp.request_id"
_request_id: ContextVar[str] = ContextVar("kubemcp_request_id", default="")


def request_id_from_scope(scope: Any) -> str:
    """The id the ASGI layer gave the request, or "" (stdio, or an app without the layer)."""
    request_id = scope.get(REQUEST_ID_SCOPE_KEY) if isinstance(scope, dict) else None
    return request_id if isinstance(request_id, str) else ""


@contextlib.contextmanager
def bound_request_id(request_id: str) -> Iterator[None]:
    """Serve the block as request `request_id`: every log record it emits carries the id."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to the records emitted while a request is served; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


class Logger:
    def __init__(self, name: str = "kubemcp", fields: Mapping[str, Any] | None = None) -> None:
        self._logger = logging.getLogger(name)
        self.fields: dict[str, Any] = dict(fields or {})

    def with_fields(self, **fields: Any) -> Logger:
        """A logger that adds `fields` (on top of this one's) to every record."""
        return Logger(self._logger.name, {**self.fields, **fields})

    def _log(self, level: int, message: str, fields: dict[str, Any]) -> None:
        if self._logger.isEnabledFor(level):
            exc_info = bool(fields.pop("exc_info", False))
            merged = {**self.fields, **fields}
            self._logger.log(level, message, extra={"kubemcp_fields": merged}, exc_info=exc_info, stacklevel=3)

    def debug(self, message: str, **fields: Any) -> None:
        self._log(logging.DEBUG, message, fields)

    def info(self, message: str, **fields: Any) -> None:
        self._log(logging.INFO, message, fields)

    def warning(self, message: str, **fields: Any) -> None:
        self._log(logging.WARNING, message, fields)

    def error(self, message: str, **fields: Any) -> None:
        self._log(logging.ERROR, message, fields)


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "kubemcp_fields", None)
    if fields is None:
        return {key: value for key, value in record.__dict__.items() if key not in _RESERVED}
    request_id = getattr(record, "request_id", None)
    if request_id and "request_id" not in fields:
        return {"request_id": request_id, **fields}
    return dict(fields)


class TextFormatter(logging.Formatter):
    """`2026-11-25 09:00:00,000 INFO kubemcp: tool call tool=list outcome=ok`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = record_fields(record)
        if fields:
            text += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(record_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
