"""Where a simulated command reads and writes: the exec channels, pipes, files or nowhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from fakekube.runtime_fs import VirtualFS


class Input(Protocol):
    """A command's standard input, read whole (the simulated commands do not stream their input)."""

    async def read(self) -> bytes: ...


class BytesInput:
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def read(self) -> bytes:
        return self.data


class StreamInput:
    """The exec session's stdin channel: reading waits until the client closes it."""

    def __init__(self, read_all: Callable[[], Awaitable[bytes]]) -> None:
        self.read_all = read_all

    async def read(self) -> bytes:
        return await self.read_all()


class Output:
    async def write(self, data: bytes) -> None:
        """Discard, like /dev/null."""


class BufferOutput(Output):
    """A pipe or `$(...)`: collects everything for the next reader.

    Commands of a pipeline run one after the other, so a pipe holds its writer's whole output;
    past `limit` it breaks, as a real pipe does when its reader stops reading (`yes | head`).
    """

    def __init__(self, limit: int = 16 * 1024 * 1024) -> None:
        self.data = bytearray()
        self.limit = limit

    async def write(self, data: bytes) -> None:
        if len(self.data) + len(data) > self.limit:
            self.data += data[: self.limit - len(self.data)]
            raise BrokenPipeError("the reading end of the pipe is full")
        self.data += data


class FileOutput(Output):
    """A redirect to a file in the container; the file was created (or truncated) when the redirect was set up."""

    def __init__(self, fs: VirtualFS, path: str) -> None:
        self.fs = fs
        self.path = path

    async def write(self, data: bytes) -> None:
        self.fs.write(self.path, data, append=True)


class CallbackOutput(Output):
    """An exec channel: every write goes out as it is made."""

    def __init__(self, send: Callable[[bytes], Awaitable[None]], tty: bool = False) -> None:
        self.send = send
        self.tty = tty

    async def write(self, data: bytes) -> None:
        if self.tty:
            # A terminal's line discipline turns each newline into CR LF.
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if data:
            await self.send(data)


@dataclass(frozen=True)
class StdIO:
    stdin: Input
    stdout: Output
    stderr: Output

    def with_fd(self, fd: int, stream: Output) -> StdIO:
        """Standard output (1) or error (2) replaced; other descriptors are not simulated."""
        return replace(self, stdout=stream) if fd == 1 else replace(self, stderr=stream) if fd == 2 else self

    def fd(self, number: int) -> Output | None:
        return {1: self.stdout, 2: self.stderr}.get(number)
