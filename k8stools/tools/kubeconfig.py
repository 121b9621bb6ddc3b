"""kubeconfig_view: the server's kubeconfig as `kubectl config view --minify` shows it, with no credentials."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import Field

from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

REDACTED = "REDACTED"
OMITTED = "DATA+OMITTED"
# The fields shown, as they are: everything else in an entry is a credential (shown as REDACTED, so
# one can still see that it is set) or dropped (extensions, preferences: free-form, anything inside).
CLUSTER_FIELDS = frozenset({"insecure-skip-tls-verify", "tls-server-name", "disable-compression"})
CLUSTER_URL_FIELDS = frozenset({"server", "proxy-url"})
CLUSTER_CA_FIELDS = frozenset({"certificate-authority-data", "certificate-authority"})
CONTEXT_FIELDS = frozenset({"cluster", "user", "namespace"})
USER_FIELDS = frozenset({"username"})
NAMED_LISTS = ("clusters", "contexts", "users")


def kubeconfig_paths(setting: str) -> list[Path]:
    """The files KUBECONFIG names (several joined by the path separator), or ~/.kube/config."""
    raw = setting or os.path.expanduser("~/.kube/config")
    return [Path(part) for part in raw.split(os.pathsep) if part]


def merged_kubeconfig(paths: list[Path]) -> dict[str, Any]:
    """kubectl's merge: the first file that names an entry (or a current context) wins."""
    merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "clusters": [], "contexts": [], "users": []}
    for path in paths:
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except FileNotFoundError:
            continue
        except OSError as error:
            raise ToolInputError(f"the kubeconfig {path} cannot be read ({error}); fix or replace the file") from None
        except yaml.YAMLError as error:
            raise ToolInputError(
                f"the kubeconfig {path} cannot be read ({yaml_error_position(error)}); fix or replace the file"
            ) from None
        if not isinstance(loaded, dict):
            raise ToolInputError(f"the kubeconfig {path} is not a mapping; fix or replace the file")
        for key in NAMED_LISTS:
            known = {entry.get("name") for entry in merged[key]}
            merged[key] += [e for e in loaded.get(key) or [] if isinstance(e, dict) and e.get("name") not in known]
        if loaded.get("current-context") and not merged.get("current-context"):
            merged["current-context"] = loaded["current-context"]
    return merged


def yaml_error_position(error: yaml.YAMLError) -> str:
    """Where a YAML error is, without the snippet of the file PyYAML quotes (it may be a credential line)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "not valid YAML"
    if mark is None:
        return str(problem)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


def minify(config: dict[str, Any], context: str) -> dict[str, Any]:
    """Only `context`, its cluster and its user, like --minify."""
    entry = next((c for c in config["contexts"] if c.get("name") == context), None)
    if entry is None:
        known = ", ".join(str(c.get("name")) for c in config["contexts"]) or "none"
        raise ToolInputError(f"unknown context '{context}'; known contexts: {known}")
    details = entry.get("context") or {}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": context,
        "clusters": [c for c in config["clusters"] if c.get("name") == details.get("cluster")],
        "contexts": [entry],
        "users": [u for u in config["users"] if u.get("name") == details.get("user")],
    }


def without_credentials(config: dict[str, Any]) -> dict[str, Any]:
    """The config reduced to an allow-list of fields known to be safe to show.

    Shown: cluster servers and proxies (without any user:password in the URL), whether a CA is set
    (not its data), the TLS flags, context names with their cluster, user and namespace, user
    names. Every other user field (tokens, passwords, client keys and certificates, exec,
    auth-provider...) shows as REDACTED; extensions and preferences are left out.
    """
    return {
        "apiVersion": config.get("apiVersion", "v1"),
        "kind": config.get("kind", "Config"),
        "current-context": config.get("current-context"),
        "clusters": [
            {"name": entry.get("name"), "cluster": _shown_cluster(entry.get("cluster"))}
            for entry in config.get("clusters") or []
        ],
        "contexts": [
            {"name": entry.get("name"), "context": _allowed(entry.get("context"), CONTEXT_FIELDS)}
            for entry in config.get("contexts") or []
        ],
        "users": [
            {"name": entry.get("name"), "user": _shown_user(entry.get("user"))} for entry in config.get("users") or []
        ],
    }


def _allowed(fields: Any, names: frozenset[str]) -> dict[str, Any]:
    if not isinstance(fields, dict):
        return {}
    return {key: value for key, value in fields.items() if key in names and isinstance(value, str | bool | int)}


def _shown_cluster(cluster: Any) -> dict[str, Any]:
    shown = _allowed(cluster, CLUSTER_FIELDS)
    if not isinstance(cluster, dict):
        return shown
    for key in sorted(CLUSTER_URL_FIELDS & cluster.keys()):
        shown[key] = url_without_credentials(cluster[key])
    for key in sorted(CLUSTER_CA_FIELDS & cluster.keys()):
        shown[key] = OMITTED
    return shown


def _shown_user(user: Any) -> dict[str, Any]:
    if not isinstance(user, dict):
        return {}
    return {key: value if key in USER_FIELDS and isinstance(value, str) else REDACTED for key, value in user.items()}


def url_without_credentials(url: Any) -> str:
    """`url` with only scheme, host, port and path: no user:password, query or fragment (REDACTED if unreadable)."""
    if not isinstance(url, str):
        return REDACTED
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return REDACTED
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@kube_tool(
    "kubeconfig_view",
    operation="context",
    title="View the kubeconfig",
    read_only=True,
    idempotent=True,
    kubeconfig_only=True,
)
def kubeconfig_view(
    call: ToolCall,
    all: Annotated[
        bool, Field(description="Every context, not only the current one (still without credentials)")
    ] = False,
) -> str:
    """Show the kubeconfig this server uses, like kubectl config view --minify: the current context (or
    the `context` argument), its cluster and user. Only fields known to be safe are shown: tokens,
    passwords, client keys and certificates, exec/auth-provider settings are replaced with REDACTED,
    certificate data is omitted, credentials in server and proxy URLs and extensions are left out."""
    config = merged_kubeconfig(kubeconfig_paths(call.server.client_factory.kubeconfig))
    if not config["contexts"]:
        raise ToolInputError("the kubeconfig has no contexts; point KUBECONFIG at a kubeconfig file")
    current = call.context_name or call.server.client_factory.default_context_name()
    shown = dict(config, **{"current-context": current}) if all else minify(config, current)
    return yaml.safe_dump(without_credentials(shown), sort_keys=False)
