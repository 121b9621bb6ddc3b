"""Exec and attach over SPDY, as client-go falls back to (`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`).

After the `101 Switching Protocols`, the client opens one SPDY stream per channel, named by its
`streamType` header: `error`, then `stdin`, `stdout`, `stderr` (not with a terminal) and `resize`
(with one), each only if asked for in the query. As the kubelet does, the server accepts each
stream, waits until all the expected ones are open, runs the session, writes the `Status`
(protocol v4: JSON) on the error stream and ends every stream. `SpdyChannels` gives the sessions
of `runtime_exec` and `runtime_attach` the channel interface they use over websockets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aiohttp import web

from fakekube.runtime_channels import CLOSE_CHANNEL, ERROR, FRAME_PAYLOAD, RESIZE, STDERR, STDIN, STDOUT, ClientGone
from fakekube.runtime_pods import Refusal
from fakekube.runtime_spdy import SpdySession, SpdyStream, accept_spdy, offered_protocols

SPDY_PROTOCOL = "v4.channel.k8s.io"
CHANNELS = {"stdin": STDIN, "stdout": STDOUT, "stderr": STDERR, "error": ERROR, "resize": RESIZE}
# How long the kubelet waits for the client to open the streams it asked for.
STREAM_CREATION_SECONDS = 30.0


def negotiate_spdy(request: web.Request) -> str:
    """The stream protocol of a SPDY upgrade: v4, the only one served here (client-go offers it first)."""
    offered = offered_protocols(request)
    if SPDY_PROTOCOL not in offered:
        raise Refusal(
            403,
            f"unable to upgrade: unable to negotiate protocol: client supports {offered}, "
            f"server supports [{SPDY_PROTOCOL}]",
        )
    return SPDY_PROTOCOL


def expected_channels(*, stdin: bool, stdout: bool, stderr: bool, tty: bool) -> set[int]:
    """The streams a client opens for these options (with a terminal, stderr is merged into stdout)."""
    wanted = {ERROR}
    wanted |= {STDIN} if stdin else set()
    wanted |= {STDOUT} if stdout else set()
    wanted |= {STDERR} if stderr and not tty else set()
    wanted |= {RESIZE} if tty else set()
    return wanted


class SpdyChannels:
    """A SPDY session seen as channels: `send(channel, data)`, `receive()`, `close()`."""

    def __init__(self, session: SpdySession, streams: dict[int, SpdyStream]) -> None:
        self.session = session
        self.streams = streams
        self.stdin_ended = STDIN not in streams

    @classmethod
    async def open(cls, session: SpdySession, wanted: set[int]) -> SpdyChannels | None:
        """Accept the client's streams until every wanted one is open; None if the client leaves or takes too long."""
        streams: dict[int, SpdyStream] = {}
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STREAM_CREATION_SECONDS):
                while not wanted <= streams.keys():
                    stream = await session.opened.get()
                    if stream is None:
                        return None
                    await session.reply(stream)
                    channel = CHANNELS.get(stream.headers.get("streamtype", ""))
                    if channel is not None:
                        streams[channel] = stream
        return cls(session, streams) if wanted <= streams.keys() else None

    async def send(self, channel: int, data: bytes) -> None:
        """Write on a channel's stream; raises `ClientGone` once the client has left."""
        stream = self.streams.get(channel)
        if stream is None or not data:
            return
        for offset in range(0, len(data), FRAME_PAYLOAD):
            if self.session.closed.is_set() or stream.reset:
                raise ClientGone("the SPDY connection is closed")
            try:
                await self.session.send_data(stream, data[offset : offset + FRAME_PAYLOAD])
            except ConnectionError as error:
                raise ClientGone("the client closed the connection") from error

    async def receive(self) -> tuple[int, bytes] | None:
        """What the client typed on stdin, then stdin's end (as the v5 close frame says it); None once it left."""
        if not self.stdin_ended:
            data = await self.streams[STDIN].incoming.get()
            if data is not None:
                return STDIN, data
            self.stdin_ended = True
            return CLOSE_CHANNEL, bytes([STDIN])
        await self.session.closed.wait()
        return None

    async def close(self) -> None:
        """End every stream and the session, as the kubelet does when the process has exited."""
        with contextlib.suppress(ConnectionError):
            for channel in (STDOUT, STDERR, ERROR):
                if channel in self.streams:
                    await self.session.close_stream(self.streams[channel])
            await self.session.goaway()


async def serve_over_spdy(
    request: web.Request, protocol: str, wanted: set[int], run: Callable[[SpdyChannels], Awaitable[None]]
) -> web.StreamResponse:
    """Upgrade, wait for the client's streams, `run` the session over them, then close the connection."""
    response, session = await accept_spdy(request, protocol)
    try:
        channels = await SpdyChannels.open(session, wanted)
        if channels is not None:
            await run(channels)
    finally:
        if request.transport is not None:  # None once the client has closed the connection
            request.transport.close()
    return response
