"""Data that spans namespaces, seen through the restricted namespaces of the policy.

Node-level reads (the kubelet's stats summary and /var/log), events and the like carry data of
every namespace in one answer, where the guard's per-request namespace check cannot see it. These
pure functions decide, item by item, what stays: an item whose namespace is restricted is dropped,
and data whose namespace cannot be told is refused rather than guessed. Tools call them at the
point where such data comes back and say in their answer that something was withheld.

Objects may also name a namespace other than their own (`REFERENCE_PATHS`): an event the object it is about, a
PersistentVolume its claim, a binding its subjects, a webhook or an APIService the Service it calls. One rule holds
for all of them, as for objects in a restricted namespace: such an object is dropped from lists and refused when
asked for by name (`references_restricted`, applied by the guard to every answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from k8stools.names import is_namespace_name
from k8stools.policy import Policy

# Pod log locations under a node's /var/log, with the namespace in their names:
# containers/<pod>_<namespace>_<container>-<container id>.log and pods/<namespace>_<pod>_<uid>/...
POD_LOG_DIRECTORIES = ("containers", "pods")
# Where an object names a namespace that may not be its own, as paths to a reference whose `namespace` counts
# ("*": every item of a list): the object an event (core and events.k8s.io) is about, a PersistentVolume's claim,
# the subjects of a RoleBinding or ClusterRoleBinding, the Service called by a webhook configuration's webhooks, an
# APIService, or a CustomResourceDefinition's conversion webhook.
REFERENCE_PATHS: tuple[tuple[str, ...], ...] = (
    ("involvedObject",),
    ("regarding",),
    ("related",),
    ("spec", "claimRef"),
    ("subjects", "*"),
    ("webhooks", "*", "clientConfig", "service"),
    ("spec", "service"),
    ("spec", "conversion", "webhook", "clientConfig", "service"),
)
# The kinds whose objects carry such references, as (group, plural): a listing of only their names cannot show
# that an object is allowed, so who lists them asks for whole objects when namespaces are restricted.
REFERENCING_RESOURCES = frozenset(
    {
        ("", "events"),
        ("events.k8s.io", "events"),
        ("", "persistentvolumes"),
        ("rbac.authorization.k8s.io", "rolebindings"),
        ("rbac.authorization.k8s.io", "clusterrolebindings"),
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ("apiregistration.k8s.io", "apiservices"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
    }
)
# Maps of free-form strings, never references: what their keys are called says nothing about a namespace.
FREE_FORM_KEYS = frozenset({"data", "stringData", "binaryData", "labels", "annotations"})
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


def referenced_namespaces(item: dict[str, Any]) -> set[str]:
    """The namespaces `item` names at `REFERENCE_PATHS` (whatever shape a hostile object gives them)."""
    found: set[str] = set()
    for path in REFERENCE_PATHS:
        values: list[Any] = [item]
        for step in path:
            if step == "*":
                values = [entry for value in values if isinstance(value, list) for entry in value]
            else:
                values = [value.get(step) for value in values if isinstance(value, dict)]
        found.update(
            value["namespace"]
            for value in values
            if isinstance(value, dict) and isinstance(value.get("namespace"), str)
        )
    return found


def references_restricted(item: dict[str, Any], restricted: frozenset[str]) -> bool:
    """True when an object names a restricted namespace in one of its references (`REFERENCE_PATHS`).

    An event lives in one namespace but may be about an object in another, and a cluster-scoped object (a
    PersistentVolume bound to a claim, a ClusterRoleBinding to a service account) lives in none: what it says of
    the namespace it names is that namespace's data, so the namespace it names counts as much as where it lives.
    """
    return not referenced_namespaces(item).isdisjoint(restricted)


def body_namespaces(body: Any) -> set[str]:
    """Every namespace a write's body names: the value of any `namespace` key at any depth, and the value of a
    JSON patch operation on a path that ends in `/namespace`. Wider than `REFERENCE_PATHS` on purpose: a patch
    does not have an object's shape, and a body naming a namespace where no object has a reference is harmless
    to refuse. Free-form string maps (`FREE_FORM_KEYS`: a ConfigMap's data, labels, annotations) hold no reference,
    so a key called `namespace` there is data, not a reference."""
    found: set[str] = set()
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            if isinstance(value.get("namespace"), str):
                found.add(value["namespace"])
            path = value.get("path")
            if isinstance(path, str) and path.endswith("/namespace") and isinstance(value.get("value"), str):
                found.add(value["value"])
            pending.extend(item for key, item in value.items() if key not in FREE_FORM_KEYS)
        elif isinstance(value, list):
            pending.extend(value)
    return found


def withheld_note(count: int, what: str) -> str:
    """One line saying that `count` `what` were left out by the policy ("" when none were)."""
    return f"{count} {what} {WITHHELD}" if count else ""
