"""Which server process holds a listener: the worker id, its channel-layer group, and whether it lives.

A worker id is `host:pid:start-time` (the process's start, in whole seconds since the epoch), stable
for the life of the process and never reused: a restarted process gets a new start time even when
the operating system hands it the same pid (pid 1 in a container, for instance).
"""

from __future__ import annotations

import functools
import os
import re
import socket
import time

GROUP_PREFIX = "portforward."
# Channels group names: ASCII letters, digits, hyphens, underscores and periods, under 100 characters.
_GROUP_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _process_start_time(pid: int) -> int | None:
    """When `pid` started, in seconds since the epoch (Linux /proc); None when it cannot be told."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The command name (field 2) may contain spaces and parentheses: split after its last ")".
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open("/proc/stat", "rb") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith(b"btime "))
        ticks = int(fields[19])  # field 22 of the whole line: start time in clock ticks after boot
        return boot + ticks // os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


@functools.cache
def current_worker_id() -> str:
    started = _process_start_time(os.getpid()) or int(time.time())
    return f"{socket.gethostname()}:{os.getpid()}:{started}"


def group_name(worker_id: str) -> str:
    """The channel-layer group through which a worker hears about its sessions being stopped."""
    return (GROUP_PREFIX + _GROUP_UNSAFE.sub("-", worker_id))[:99]


def is_gone_locally(worker_id: str) -> bool:
    """True when `worker_id` names a process of this host that no longer runs.

    Workers of other hosts cannot be checked from here: they are judged by their heartbeat.
    """
    host, _, rest = worker_id.partition(":")
    pid_text, _, started_text = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) < 1 or worker_id == current_worker_id():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's process
        pass
    started = _process_start_time(pid)
    # The pid was reused by a process that started later than the worker did.
    return started is not None and started_text.isdigit() and abs(started - int(started_text)) > 1
