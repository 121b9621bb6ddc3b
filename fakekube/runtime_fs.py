"""A container's filesystem as exec sees it: a few standard files plus whatever tests and scripts write.

Nothing here touches the host's disk. Files written by exec (`echo x > /tmp/f`) persist for
the pod, as they would in a real container until it restarts.
"""

from __future__ import annotations

import posixpath
import threading
from typing import Any

STANDARD_DIRS = [
    "/bin",
    "/dev",
    "/etc",
    "/home",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/local",
    "/usr/local/bin",
    "/usr/sbin",
    "/var",
    "/var/log",
    "/var/run",
]

DEBIAN_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""


class FileError(Exception):
    """A failed file operation, carrying the errno text the shell prints."""


class FileOverrides:
    """Files added by tests or written by exec for one pod; `None` marks a deleted file."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: dict[str, bytes | None] = {}


class VirtualFS:
    """The standard files of a pod's container, overlaid with the pod's overrides."""

    def __init__(self, pod: dict[str, Any], overrides: FileOverrides) -> None:
        self.base = standard_files(pod)
        self.overrides = overrides

    def _files(self) -> dict[str, bytes]:
        with self.overrides.lock:
            merged: dict[str, bytes | None] = {**self.base, **self.overrides.files}
        return {path: content for path, content in merged.items() if content is not None}

    def is_dir(self, path: str) -> bool:
        path = normalize(path)
        if path == "/" or path in STANDARD_DIRS:
            return True
        prefix = path + "/"
        return any(name.startswith(prefix) for name in self._files())

    def exists(self, path: str) -> bool:
        return self.is_dir(path) or normalize(path) in self._files()

    def read(self, path: str) -> bytes:
        path = normalize(path)
        files = self._files()
        if path in files:
            return files[path]
        raise FileError("Is a directory" if self.is_dir(path) else "No such file or directory")

    def write(self, path: str, content: bytes, append: bool = False) -> None:
        path = normalize(path)
        if self.is_dir(path):
            raise FileError("Is a directory")
        if not self.is_dir(posixpath.dirname(path)):
            raise FileError("No such file or directory")
        with self.overrides.lock:
            previous = self.overrides.files.get(path, self.base.get(path)) or b""
            self.overrides.files[path] = previous + content if append else content

    def listdir(self, path: str) -> list[str]:
        path = normalize(path)
        if not self.is_dir(path):
            raise FileError("Not a directory" if path in self._files() else "No such file or directory")
        prefix = path.rstrip("/") + "/"
        names = {
            name[len(prefix) :].split("/", 1)[0] for name in [*self._files(), *STANDARD_DIRS] if name.startswith(prefix)
        }
        return sorted(names)


def normalize(path: str, cwd: str = "/") -> str:
    """An absolute, normalized path; relative paths are taken from `cwd`."""
    return posixpath.normpath(posixpath.join(cwd, path)).replace("//", "/")


def standard_files(pod: dict[str, Any]) -> dict[str, bytes]:
    """The files every container of this pod starts with."""
    metadata = pod.get("metadata") or {}
    name, namespace = metadata.get("name", ""), metadata.get("namespace", "default")
    ip = (pod.get("status") or {}).get("podIP", "10.244.0.15")
    return {
        "/etc/hostname": f"{name}\n".encode(),
        "/etc/os-release": DEBIAN_RELEASE.encode(),
        "/etc/hosts": (
            f"# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
            f"ip6-loopback\n{ip}\t{name}\n"
        ).encode(),
        "/etc/resolv.conf": (
            f"search {namespace}.svc.cluster.local svc.cluster.local cluster.local\n"
            "nameserver 10.96.0.10\noptions ndots:5\n"
        ).encode(),
        "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "/var/run/secrets/kubernetes.io/serviceaccount/namespace": namespace.encode(),
    }
