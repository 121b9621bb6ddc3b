"""How the user started the server, so that what it prints (client configuration, the command that creates an
admin user) names the same launcher: `kubemcp` when installed, `python manage.py` from a checkout."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

MANAGE_PY = Path(__file__).resolve().parents[2] / "manage.py"


@dataclass(frozen=True)
class Launcher:
    command: str
    manage_args: tuple[str, ...]  # the words after `command` that reach a management command
    stdio_args: tuple[str, ...]  # the words after `command` that serve MCP over stdio
    demo_stdio_args: tuple[str, ...]

    def manage(self, *words: str) -> str:
        """A management command as the user would type it."""
        return shlex.join((self.command, *self.manage_args, *words))

    def stdio_client(self, *, demo: bool) -> dict[str, object]:
        """The `mcpServers` entry that starts this server over stdio."""
        return {"command": self.command, "args": list(self.demo_stdio_args if demo else self.stdio_args)}


def manage_py_launcher() -> Launcher:
    return Launcher(
        command=sys.executable,
        manage_args=(str(MANAGE_PY),),
        stdio_args=(str(MANAGE_PY), "serve", "--transport", "stdio"),
        demo_stdio_args=(str(MANAGE_PY), "serve", "--transport", "stdio", "--demo"),
    )


def kubemcp_launcher(words: str) -> Launcher:
    """The `kubemcp` command as `words` (shell-quoted) start it: `kubemcp`, `uvx kubemcp` or a full path."""
    command, *prefix = shlex.split(words)
    return Launcher(
        command=command,
        manage_args=(*prefix, "manage"),
        stdio_args=tuple(prefix),
        demo_stdio_args=(*prefix, "demo", "--stdio"),
    )
