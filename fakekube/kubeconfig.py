"""Kubeconfig files pointing clients at a fake API server."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml


def kubeconfig(
    server: str,
    context: str = "fake",
    namespace: str = "default",
    token: str | None = None,
    extra_contexts: Iterable[str | tuple[str, str | None]] = (),
    ca_pem: bytes | None = None,
) -> dict[str, Any]:
    """A kubeconfig whose contexts all reach `server`; `extra_contexts` are names, or (name, token) pairs
    so another context can authenticate as another user; `ca_pem` is the CA of an HTTPS server."""
    contexts = [(context, token)]
    for extra in extra_contexts:
        contexts.append((extra, token) if isinstance(extra, str) else (extra[0], extra[1]))
    cluster_name = "fake-cluster"
    users, context_entries = [], []
    for name, user_token in contexts:
        user_name = f"{name}-user"
        users.append({"name": user_name, "user": {"token": user_token} if user_token else {}})
        context_entries.append(
            {"name": name, "context": {"cluster": cluster_name, "user": user_name, "namespace": namespace}}
        )
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {
                    "server": server,
                    **({"certificate-authority-data": base64.b64encode(ca_pem).decode()} if ca_pem else {}),
                },
            }
        ],
        "users": users,
        "contexts": context_entries,
        "current-context": context,
    }


def write_kubeconfig(
    path: str | os.PathLike[str],
    server: str,
    context: str = "fake",
    namespace: str = "default",
    token: str | None = None,
    extra_contexts: Iterable[str | tuple[str, str | None]] = (),
    ca_pem: bytes | None = None,
) -> Path:
    """Write the kubeconfig (mode 0600, as kubectl does) and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    content = yaml.safe_dump(kubeconfig(server, context, namespace, token, extra_contexts, ca_pem), sort_keys=False)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
    return target
