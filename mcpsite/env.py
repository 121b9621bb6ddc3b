"""Typed readers for environment variables, one per type, each refusing a bad value loudly.

Settings are 12-factor: every knob is an environment variable with an embedded default. A value
that cannot be read raises `ImproperlyConfigured` with a message that names the variable and
says what it accepts; `manage.py` turns that into one line on stderr instead of a traceback.
Secrets may also come from `NAME_FILE` (a file mounted from a Kubernetes Secret).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use 'true' or 'false'")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use a whole number") from None
    _check_range(name, number, minimum, maximum)
    return number


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use a number") from None
    if number != number:  # NaN compares unequal to itself
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use a number")
    _check_range(name, number, minimum, maximum)
    return number


def _check_range(name: str, number: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Unexpected value {name}={number}, use at least {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"Unexpected value {name}={number}, use at most {maximum}")


def env_list(name: str, default: Iterable[str] = ()) -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Iterable[str], *, case_insensitive: bool = True) -> str:
    allowed = list(choices)
    value = _raw(name)
    if value is None:
        return default
    candidate = value.lower() if case_insensitive else value
    for choice in allowed:
        if candidate == (choice.lower() if case_insensitive else choice):
            return choice
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use one of: {', '.join(allowed)}")


def env_log_level(name: str, default: str = "INFO") -> str:
    level = env_choice(name, default, LOG_LEVELS)
    return logging.getLevelName(logging.getLevelName(level))


def env_url(
    name: str, default: str = "", *, schemes: Iterable[str] = ("http", "https"), hostless: Iterable[str] = ()
) -> str:
    """A URL with one of `schemes` and a host (optional for `hostless` schemes); `default` when unset."""
    value = _raw(name)
    if value is None:
        return default
    allowed = tuple(schemes)
    parts = urlsplit(value)
    if parts.scheme not in allowed or not (parts.netloc or parts.scheme in hostless):
        raise ImproperlyConfigured(
            f"Unexpected value {name}={value!r}, use a URL starting with {' or '.join(s + '://' for s in allowed)}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, the port is not a number") from None
    return value


def env_secret(name: str, default: str = "") -> str:
    """A secret from `NAME`, or from the file named by `NAME_FILE` (Kubernetes Secret volumes)."""
    value = _raw(name)
    if value is not None:
        return value
    path = _raw(f"{name}_FILE")
    if path is None:
        return default
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read {name}_FILE={path!r}: {error.strerror}") from None
