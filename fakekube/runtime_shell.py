"""A small, safe shell that simulates commands run in a container by exec.

Nothing is ever run on the host: every program is a Python function in
`runtime_shell_commands`, working on the pod's `VirtualFS` and environment. Scripts
(`sh -c`, `bash -c`) are parsed by `runtime_shell_parse` and run here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fakekube.runtime_fs import FileError, VirtualFS, normalize
from fakekube.runtime_shell_io import BufferOutput, BytesInput, FileOutput, Input, Output, StdIO
from fakekube.runtime_shell_parse import Command, Redirect, ShellSyntaxError, Word, parse

Program = Callable[["Shell", list[str], StdIO], Awaitable[int]]
SIGPIPE_STATUS = 128 + 13
BIN_DIRS = {"/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}
# `$NAME`, `${NAME}`, `${NAME:-default}`, `$?`, `$$` and `$0`.
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*|[?$0])(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|([?$0]))")


class ShellExit(Exception):
    """`exit N`: ends the script it runs in."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class ContainerContext:
    """The container a command runs in."""

    namespace: str
    pod: dict[str, Any]
    container: str
    fs: VirtualFS
    tty: bool = False
    max_sleep: float = 60.0
    uid: int = 0
    gid: int = 0
    programs: dict[str, Program] = field(default_factory=dict)


class Shell:
    """One shell process: its variables, working directory and last status."""

    def __init__(self, context: ContainerContext, variables: dict[str, str], name: str = "sh", cwd: str = "/") -> None:
        self.context = context
        self.variables = variables
        self.name = name
        self.cwd = cwd
        self.status = 0
        self.exited = False

    def child(self, name: str | None = None) -> Shell:
        """A subshell: it inherits a copy of the variables and the directory."""
        return Shell(self.context, dict(self.variables), name or self.name, self.cwd)

    def find_program(self, name: str) -> Program | None:
        """The program an argv[0] names, looked up in the usual bin directories."""
        if "/" in name:
            directory, _, base = normalize(name, self.cwd).rpartition("/")
            return self.context.programs.get(base) if directory in BIN_DIRS else None
        return self.context.programs.get(name)

    def path(self, name: str) -> str:
        return normalize(name, self.cwd)

    async def run_script(self, text: str, io: StdIO) -> int:
        """Run a whole script; `exit` ends it with its code."""
        try:
            steps = parse(text)
        except ShellSyntaxError as error:
            prefix = "bash: -c: line 1: syntax error:" if self.name == "bash" else f"{self.name}: 1: Syntax error:"
            await io.stderr.write(f"{prefix} {error}\n".encode())
            return 2
        try:
            for step in steps:
                if (step.connector == "&&" and self.status != 0) or (step.connector == "||" and self.status == 0):
                    continue
                self.status = await self._run_pipeline(step.pipeline, io)
        except ShellExit as done:
            self.status = done.code
            self.exited = True
        return self.status

    async def _run_pipeline(self, pipeline: list[Command], io: StdIO) -> int:
        stdin: Input = io.stdin
        status = 0
        for index, command in enumerate(pipeline):
            last = index == len(pipeline) - 1
            out: Output = io.stdout if last else BufferOutput()
            status = await self._run_command(command, StdIO(stdin, out, io.stderr))
            if isinstance(out, BufferOutput):
                stdin = BytesInput(bytes(out.data))
        return status

    async def _run_command(self, command: Command, io: StdIO) -> int:
        words = [await self.expand(word, io) for word in command.words]
        assignments = {name: await self.expand(value, io) for name, value in command.assignments}
        try:
            io = await self._redirect(command.redirects, io)
        except FileError as error:
            await io.stderr.write(f"{self.name}: 1: {error}\n".encode())
            return 2
        if not words:
            self.variables.update(assignments)
            return 0
        builtin = BUILTINS.get(words[0])
        if builtin is not None:
            return await builtin(self, words, io)
        program = self.find_program(words[0])
        if program is None:
            await io.stderr.write(self.not_found(words[0]).encode())
            return 127
        shell = self
        if assignments:
            shell = self.child()
            shell.variables.update(assignments)
        try:
            return await program(shell, words, io)
        except BrokenPipeError:
            return SIGPIPE_STATUS

    def not_found(self, name: str) -> str:
        """The message this shell prints for an unknown command."""
        if self.name == "bash":
            return f"bash: line 1: {name}: command not found\n"
        return f"{self.name}: 1: {name}: not found\n"

    async def expand(self, word: Word, io: StdIO) -> str:
        """A word's value after variable expansion and command substitution (no field splitting)."""
        pieces = []
        for kind, text in word:
            if kind == "lit":
                pieces.append(text)
            elif kind == "exp":
                pieces.append(_VARIABLE.sub(self._variable, text))
            else:
                captured = BufferOutput()
                sub = self.child()
                self.status = await sub.run_script(text, StdIO(BytesInput(b""), captured, io.stderr))
                pieces.append(bytes(captured.data).decode(errors="replace").rstrip("\n"))
        return "".join(pieces)

    def _variable(self, match: re.Match[str]) -> str:
        braced, default, plain, special = match.groups()
        name = braced or plain or special
        specials = {"?": str(self.status), "$": "1", "0": self.name}
        value = specials[name] if name in specials else self.variables.get(name, "")
        return value or (default or "")

    async def _redirect(self, redirects: list[Redirect], io: StdIO) -> StdIO:
        for redirect in redirects:
            if isinstance(redirect.target, int):
                source = io.fd(redirect.target)
                if source is None:
                    raise FileError(f"{redirect.target}: Bad file descriptor")
                io = io.with_fd(redirect.fd, source)
            else:
                target = await self.expand(redirect.target or [], io)
                io = io.with_fd(redirect.fd, self._open(target, redirect.op))
        return io

    def _open(self, target: str, op: str) -> Output:
        path = self.path(target)
        if path == "/dev/null":
            return Output()
        try:
            self.context.fs.write(path, b"", append=op == ">>")
        except FileError as error:
            reason = "Directory nonexistent" if str(error) == "No such file or directory" else str(error)
            raise FileError(f"cannot create {target}: {reason}") from None
        return FileOutput(self.context.fs, path)


async def _cd(shell: Shell, argv: list[str], io: StdIO) -> int:
    target = shell.path(argv[1] if len(argv) > 1 else shell.variables.get("HOME", "/"))
    if not shell.context.fs.is_dir(target):
        await io.stderr.write(f"{shell.name}: 1: cd: can't cd to {argv[1]}\n".encode())
        return 2
    shell.cwd = target
    shell.variables["PWD"] = target
    return 0


async def _exit(shell: Shell, argv: list[str], io: StdIO) -> int:
    try:
        code = int(argv[1]) if len(argv) > 1 else shell.status
    except ValueError:
        await io.stderr.write(f"{shell.name}: 1: exit: Illegal number: {argv[1]}\n".encode())
        code = 2
    raise ShellExit(code & 0xFF)


async def _export(shell: Shell, argv: list[str], io: StdIO) -> int:
    for item in argv[1:]:
        name, equals, value = item.partition("=")
        if equals:
            shell.variables[name] = value
    return 0


# Shell builtins: available in scripts, but not programs a direct exec can find.
BUILTINS: dict[str, Program] = {"cd": _cd, "exit": _exit, "export": _export}
