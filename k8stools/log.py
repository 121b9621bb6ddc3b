"""The server's logger: the standard `logging` module with structured fields.

`logger.with_fields(tool="list", namespace="default")` returns a logger that adds those fields
to every record; the text format appends them as `key=value`, the JSON format as keys.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


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
    if fields is not None:
        return dict(fields)
    return {key: value for key, value in record.__dict__.items() if key not in _RESERVED}


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
