"""kubeconfig_view: the server's kubeconfig as `kubectl config view --minify` shows it, with no credentials."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field

from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

REDACTED = "REDACTED"
OMITTED = "DATA+OMITTED"
# Everything in a user entry that proves who the user is (exec and auth-provider run or hold credentials).
CREDENTIAL_KEYS = frozenset(
    {
        "token",
        "tokenFile",
        "password",
        "client-key-data",
        "client-key",
        "client-certificate-data",
        "client-certificate",
        "exec",
        "auth-provider",
    }
)
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
        except (OSError, yaml.YAMLError) as error:
            raise ToolInputError(f"the kubeconfig {path} cannot be read ({error}); fix or replace the file") from None
        if not isinstance(loaded, dict):
            raise ToolInputError(f"the kubeconfig {path} is not a mapping; fix or replace the file")
        for key in NAMED_LISTS:
            known = {entry.get("name") for entry in merged[key]}
            merged[key] += [e for e in loaded.get(key) or [] if isinstance(e, dict) and e.get("name") not in known]
        if loaded.get("current-context") and not merged.get("current-context"):
            merged["current-context"] = loaded["current-context"]
    return merged


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
    """The same config with every credential replaced, and certificate data omitted."""
    result = dict(config)
    result["users"] = [
        {
            **user,
            "user": {
                key: (REDACTED if key in CREDENTIAL_KEYS else value) for key, value in (user.get("user") or {}).items()
            },
        }
        for user in config.get("users") or []
    ]
    result["clusters"] = [
        {
            **cluster,
            "cluster": {
                key: (OMITTED if key.endswith("-data") else value)
                for key, value in (cluster.get("cluster") or {}).items()
            },
        }
        for cluster in config.get("clusters") or []
    ]
    return result


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
    the `context` argument), its cluster and user. Tokens, passwords, client keys and certificates, and
    exec/auth-provider settings are replaced with REDACTED; certificate data is omitted."""
    config = merged_kubeconfig(kubeconfig_paths(call.server.client_factory.kubeconfig))
    if not config["contexts"]:
        raise ToolInputError("the kubeconfig has no contexts; point KUBECONFIG at a kubeconfig file")
    current = call.context_name or call.server.client_factory.default_context_name()
    shown = dict(config, **{"current-context": current}) if all else minify(config, current)
    return yaml.safe_dump(without_credentials(shown), sort_keys=False)
