"""An interactive shell on a terminal: `kubectl exec -it pod -- sh`.

The container's terminal does the line editing: it echoes what is typed, handles
backspace, Ctrl-C and Ctrl-D, and hands the shell a line on Enter. Each line runs as a
script in the same shell, so variables and `cd` carry over, until `exit` or Ctrl-D.
Commands run from the prompt read no input (nothing can be typed to them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fakekube.runtime_shell import Shell
from fakekube.runtime_shell_io import BytesInput, Output, StdIO

INTERACTIVE_SHELLS = {"sh", "bash", "ash", "dash"}
BACKSPACE, DELETE, INTERRUPT, END_OF_FILE = 0x08, 0x7F, 0x03, 0x04


def is_interactive(argv: list[str]) -> bool:
    """A shell started without a script: `sh`, `bash -l`, `/bin/sh -i`."""
    return argv[0].rsplit("/", 1)[-1] in INTERACTIVE_SHELLS and all(arg in ("-i", "-l", "--login") for arg in argv[1:])


def prompt(shell: Shell) -> bytes:
    """dash's prompt, whichever shell was asked for: `# ` for root, `$ ` for other users."""
    return b"# " if shell.context.uid == 0 else b"$ "


async def run_interactive(shell: Shell, terminal: Output, read: Callable[[], Awaitable[bytes | None]]) -> int:
    """Serve the terminal until the shell exits; its exit code."""
    line = bytearray()
    await terminal.write(prompt(shell))
    while (chunk := await read()) is not None:
        for byte in chunk:
            if byte in (ord("\r"), ord("\n")):
                await terminal.write(b"\n")
                if line.strip():
                    await shell.run_script(line.decode(errors="replace"), StdIO(BytesInput(b""), terminal, terminal))
                    if shell.exited:
                        return shell.status
                line.clear()
                await terminal.write(prompt(shell))
            elif byte in (BACKSPACE, DELETE):
                if line:
                    line.pop()
                    await terminal.write(b"\b \b")
            elif byte == INTERRUPT:
                line.clear()
                shell.status = 130
                await terminal.write(b"^C\n" + prompt(shell))
            elif byte == END_OF_FILE and not line:
                await terminal.write(b"exit\n")
                return shell.status
            elif byte >= 0x20:
                line.append(byte)
                await terminal.write(bytes([byte]))
    return shell.status
