"""Kubernetes name rules, checked before a name reaches the API server or the database.

The `is_*` predicates answer yes or no; the `check_*` functions return the value when it is valid and
raise `InvalidName` (a `ToolInputError`, so a model sees what a valid value looks like) when it is not.
Every rule is ASCII only: a look-alike such as U+2024 ONE DOT LEADER or U+FF0F FULLWIDTH SOLIDUS is refused,
never normalised into a dot or a slash.
"""

from __future__ import annotations

import re

from k8stools.tools.errors import ToolInputError

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Anchored forms, for JSON schemas (pydantic's `pattern`).
NAMESPACE_PATTERN = re.compile(rf"^{_DNS1123_LABEL.pattern}$")
OBJECT_NAME_PATTERN = re.compile(rf"^{_DNS1123_SUBDOMAIN.pattern}$")
# What Kubernetes' path.IsValidPathSegmentName allows (no "/", no "%", not "." or ".."), narrowed to printable
# ASCII without the characters that end a path or start a query or fragment in a URL.
_PATH_SEGMENT_NAME = re.compile(r"[!$&'()*+,\-.0-9:;<=>@A-Z\[\]^_`a-z{|}~]+")
# One segment of a file path below /var/log on a node: letters, digits, ".", "_" and "-".
_LOG_FILE_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
# Kinds whose objects may have names that are not DNS subdomains (RBAC: "system:controller:job").
PATH_SEGMENT_NAMED = frozenset(
    {
        ("rbac.authorization.k8s.io", "roles"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("rbac.authorization.k8s.io", "rolebindings"),
        ("rbac.authorization.k8s.io", "clusterrolebindings"),
    }
)
MAX_LOG_FILE_PATH = 1024


class InvalidName(ToolInputError):
    """A name, namespace or path part that Kubernetes would not accept; the message says what would be valid."""


def _fits(pattern: re.Pattern[str], text: str, limit: int) -> bool:
    return isinstance(text, str) and 0 < len(text) <= limit and pattern.fullmatch(text) is not None


def _shown(text: object) -> str:
    """The value as a message may quote it: escaped, and cut short."""
    value = repr(text) if not isinstance(text, str) else repr(text)[1:-1]
    return value if len(value) <= 80 else value[:77] + "..."


def is_namespace_name(name: str) -> bool:
    """True for a valid namespace name: a DNS-1123 label of at most 63 characters."""
    return _fits(_DNS1123_LABEL, name, 63)


def is_object_name(name: str) -> bool:
    """True for a valid object name of most kinds: a DNS-1123 subdomain of at most 253 characters."""
    return _fits(_DNS1123_SUBDOMAIN, name, 253)


def is_path_segment_name(name: str) -> bool:
    """True for a name of a kind that allows any path segment (RBAC roles and bindings), as narrowed above."""
    return _fits(_PATH_SEGMENT_NAME, name, 253) and name not in (".", "..")


def check_namespace(namespace: str) -> str:
    """`namespace` when it is a valid namespace name."""
    if not is_namespace_name(namespace):
        raise InvalidName(
            f"'{_shown(namespace)}' is not a valid namespace name: at most 63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return namespace


def check_object_name(name: str, *, group: str = "", resource: str = "") -> str:
    """`name` when it is a valid name for an object of the kind `resource` in `group`."""
    if group == "" and resource == "namespaces":
        return check_namespace(name)
    if (group, resource) in PATH_SEGMENT_NAMED:
        if not is_path_segment_name(name):
            raise InvalidName(
                f"'{_shown(name)}' is not a valid {resource} name: printable ASCII without spaces, '/', '%', '?', "
                "'#' or '\\', and not '.' or '..'; give the name as list shows it"
            )
        return name
    if not is_object_name(name):
        raise InvalidName(
            f"'{_shown(name)}' is not a valid object name: at most 253 lower-case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit; give the name as list shows it"
        )
    return name


def check_node_name(name: str) -> str:
    """`name` when it is a valid node name (a DNS-1123 subdomain)."""
    if not is_object_name(name):
        raise InvalidName(
            f"'{_shown(name)}' is not a valid node name: at most 253 lower-case letters, digits, '-' and '.'; "
            "list nodes shows the names"
        )
    return name


def check_container_name(name: str) -> str:
    """`name` when it is a valid container name (a DNS-1123 label)."""
    if not is_namespace_name(name):
        raise InvalidName(
            f"'{_shown(name)}' is not a valid container name: at most 63 lower-case letters, digits and '-'; "
            "describe the pod to see its containers"
        )
    return name


def check_log_file_path(path: str) -> tuple[str, ...]:
    """The segments of a file path below a node's /var/log: relative, letters, digits, '.', '_', '-', no '..'."""
    segments = tuple(path.split("/")) if isinstance(path, str) else ()
    if (
        not segments
        or len(path) > MAX_LOG_FILE_PATH
        or any(not _LOG_FILE_SEGMENT.fullmatch(segment) or segment in (".", "..") for segment in segments)
    ):
        raise InvalidName(
            f"'{_shown(path)}' is not a valid log file: a plain path under /var/log such as 'syslog' or "
            "'pods/app.log', of letters, digits, '.', '_' and '-', without '..'"
        )
    return segments
