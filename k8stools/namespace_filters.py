"""Data that spans namespaces, seen through the restricted namespaces of the policy.

Node-level reads (the kubelet's stats summary and /var/log), events and the like carry data of
every namespace in one answer, where the guard's per-request namespace check cannot see it. These
pure functions decide, item by item, what stays: an item whose namespace is restricted is dropped,
and data whose namespace cannot be told is refused rather than guessed. Tools call them at the
point where such data comes back and say in their answer that something was withheld.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from k8stools.names import is_namespace_name
from k8stools.policy import Policy

# Pod log locations under a node's /var/log, with the namespace in their names:
# containers/<pod>_<namespace>_<container>-<container id>.log and pods/<namespace>_<pod>_<uid>/...
POD_LOG_DIRECTORIES = ("containers", "pods")
# Fields of an event (core and events.k8s.io) that name the object it is about.
EVENT_OBJECT_FIELDS = ("involvedObject", "regarding", "related")
WITHHELD = "withheld by the server policy (restricted namespaces)"


def log_file_namespace(file: str) -> str | None:
    """The namespace a pod log path under /var/log belongs to, or None when its name does not say.

    `containers/web-1_default_main-0123abcd.log` is default's, and so is every path under
    `pods/default_web-1_<uid>/`. Pod, namespace and container names cannot hold `_`, so a name
    that does not split into exactly three parts is not one of these and has no known namespace.
    """
    directory, _, rest = file.partition("/")
    entry = rest.split("/", 1)[0]
    if directory not in POD_LOG_DIRECTORIES or not entry:
        return None
    parts = entry.split("_")
    if len(parts) != 3 or not all(parts):
        return None
    namespace = parts[1] if directory == "containers" else parts[0]
    return namespace if is_namespace_name(namespace) else None


def node_log_refusal(file: str, policy: Policy) -> str | None:
    """Why `file` (a path under a node's /var/log, "" for the directory) may not be read, or None if it may.

    With no restricted namespace every file may be read. Otherwise a pod's log may be read when its
    namespace is known and not restricted; the directory listings may be read (their entries are
    filtered by `visible_log_entries`); node-wide logs (kubelet.log, syslog, the journal...) mention
    pods of every namespace and cannot be filtered line by line, so they are refused.
    """
    if not policy.restricted_namespaces or file == "" or file in POD_LOG_DIRECTORIES:
        return None
    if file.split("/", 1)[0] in POD_LOG_DIRECTORIES:
        namespace = log_file_namespace(file)
        if namespace is None:
            return (
                f"the namespace of '{file}' cannot be told from its name, and restricted namespaces are set, "
                "so it is not read; pod logs are named containers/<pod>_<namespace>_<container>-<id>.log"
            )
        if policy.is_restricted(namespace):
            return f'access to namespace "{namespace}" is restricted by the server policy'
        return None
    return (
        f"'{file}' is a node-wide log that names pods of every namespace, and restricted namespaces are set, "
        "so the server cannot show it without leaking them; read a pod's own log (logs tool, or "
        'node_logs file: "containers/<pod>_<namespace>_<container>-<id>.log") instead'
    )


def visible_log_entries(directory: str, names: Iterable[str], policy: Policy) -> tuple[list[str], int]:
    """The entries of a /var/log directory listing that may be shown, and how many were withheld.

    Entries of a pod log directory (or of a pod's own directory under pods/) are kept when their
    namespace is known and not restricted; other directories list file names only and are kept.
    """
    entries = list(names)
    if not policy.restricted_namespaces:
        return entries, 0
    top = directory.strip("/").split("/", 1)[0]
    if top not in POD_LOG_DIRECTORIES:
        return entries, 0
    if "/" in directory.strip("/"):
        # Inside one pod's directory: node_log_refusal has already allowed its namespace.
        return entries, 0
    kept = [name for name in entries if _visible_log_entry(f"{top}/{name}", policy)]
    return kept, len(entries) - len(kept)


def _visible_log_entry(path: str, policy: Policy) -> bool:
    namespace = log_file_namespace(path.rstrip("/"))
    return namespace is not None and not policy.is_restricted(namespace)


def summary_without_restricted(summary: dict[str, Any], policy: Policy) -> tuple[dict[str, Any], int]:
    """The kubelet's stats summary without the pods of restricted namespaces, and how many were dropped.

    A pod whose `podRef` names no namespace is dropped too: it cannot be shown to be allowed.
    """
    pods = summary.get("pods")
    if not policy.restricted_namespaces or not isinstance(pods, list):
        return summary, 0
    kept = [pod for pod in pods if isinstance(pod, dict) and _pod_ref_allowed(pod, policy)]
    return {**summary, "pods": kept}, len(pods) - len(kept)


def _pod_ref_allowed(pod: dict[str, Any], policy: Policy) -> bool:
    namespace = (pod.get("podRef") or {}).get("namespace")
    return isinstance(namespace, str) and bool(namespace) and not policy.is_restricted(namespace)


def references_restricted(item: dict[str, Any], restricted: frozenset[str]) -> bool:
    """True when an event is about (or related to) an object in a restricted namespace.

    An event lives in one namespace but may be about an object in another; its message then
    carries the other namespace's data, so the object it names counts as much as where it lives.
    """
    for field in EVENT_OBJECT_FIELDS:
        reference = item.get(field)
        if isinstance(reference, dict) and reference.get("namespace") in restricted:
            return True
    return False


def withheld_note(count: int, what: str) -> str:
    """One line saying that `count` `what` were left out by the policy ("" when none were)."""
    return f"{count} {what} {WITHHELD}" if count else ""
