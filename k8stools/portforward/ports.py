"""The `ports` argument of `port_forward`: `"LOCAL:REMOTE"` or `"REMOTE"`, parsed and checked.

A missing or zero local port means "any free port" (the answer reports the one bound). The remote
side is a port number or a port name (a container port's name for a pod, a service port's name
for a service), as kubectl accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# IANA service names, as Kubernetes validates port names: at most 15 characters, a letter somewhere.
_PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
MAX_PORTS = 16


class PortSpecError(ValueError):
    """A `ports` entry that cannot be used; the message says what to send instead."""


@dataclass(frozen=True, slots=True)
class PortRequest:
    local: int  # 0: any free port
    remote: int | str  # a number, or a port name still to resolve

    @property
    def text(self) -> str:
        return f"{self.local or ''}:{self.remote}"


def _port_number(text: str, *, allow_zero: bool) -> int | None:
    if not text.isdigit():
        return None
    number = int(text)
    lowest = 0 if allow_zero else 1
    return number if lowest <= number <= 65535 else None


def parse_port(entry: str) -> PortRequest:
    """One entry: `8080:80`, `:80`, `0:80`, `80`, or with a port name: `8080:http`, `http`."""
    text = entry.strip()
    local_text, _, remote_text = text.rpartition(":")
    if ":" in local_text:
        raise PortSpecError(f'port {entry!r} has more than one \':\'; use "LOCAL:REMOTE" such as "8080:80"')
    local = _port_number(local_text, allow_zero=True) if local_text else 0
    if local is None:
        raise PortSpecError(
            f"local port {local_text!r} in {entry!r} must be a number from 0 to 65535 (0: any free port)"
        )
    remote: int | str | None = _port_number(remote_text, allow_zero=False)
    if remote is None:
        if remote_text.isdigit() or not _PORT_NAME.match(remote_text) or len(remote_text) > 15:
            raise PortSpecError(
                f"remote port {remote_text!r} in {entry!r} must be a number from 1 to 65535 or a port name "
                'such as "http"'
            )
        remote = remote_text
    return PortRequest(local=local, remote=remote)


def parse_ports(entries: list[str]) -> list[PortRequest]:
    """All entries, refusing an empty list, a local port twice, and more than `MAX_PORTS`.

    Two local ports may lead to the same remote port: each connection opens its own stream.
    """
    if not entries:
        raise PortSpecError('ports is empty; send at least one, such as ["8080:80"] or ["80"]')
    if len(entries) > MAX_PORTS:
        raise PortSpecError(f"at most {MAX_PORTS} ports per session; start another session for the rest")
    requests = [parse_port(entry) for entry in entries]
    locals_ = [request.local for request in requests if request.local]
    if len(set(locals_)) != len(locals_):
        raise PortSpecError("the same local port appears twice in ports; each local port can listen once")
    return requests
