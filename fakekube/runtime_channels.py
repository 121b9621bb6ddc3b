"""The websocket channel protocol of exec, attach and port-forward (`*.channel.k8s.io`).

Each message carries one channel's bytes: the first byte is the channel number
(0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize for exec; 2i data and 2i+1 error for the
i-th port of a port-forward). v5 adds channel 255, by which the client says it closed one
of its channels (how stdin reaches end of file). Only v4 and v5 are served: every client that
talks to the fake (kubectl, client-go, the official Python client) offers them, so the older
`channel.k8s.io` (plain-text errors) and the `base64.` variants (text frames, for browsers) are
refused like any protocol a real server does not support.
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import WSMsgType, web

from fakekube.runtime_pods import Refusal

EXEC_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
PORTFORWARD_PROTOCOLS = ("v4.channel.k8s.io",)
STDIN, STDOUT, STDERR, ERROR, RESIZE = range(5)  # the channels of exec and attach
CLOSE_CHANNEL = 255
# The kubelet copies output through 32 KiB buffers, so long output arrives as several frames.
FRAME_PAYLOAD = 32 * 1024


class ClientGone(ConnectionResetError):
    """Writing failed because the client has gone; whatever produced the data should stop."""


def require_upgrade(request: web.Request) -> None:
    """Refuse a plain HTTP request, as the API server does for streaming subresources."""
    connection = request.headers.get("Connection", "").lower()
    if not request.headers.get("Upgrade") or "upgrade" not in connection:
        raise Refusal(400, "Upgrade request required")


def is_spdy(request: web.Request) -> bool:
    """Whether the client asks for SPDY, which client-go falls back to when a websocket upgrade fails."""
    return request.headers.get("Upgrade", "").lower().startswith("spdy/")


def negotiate(request: web.Request, supported: tuple[str, ...]) -> str:
    """The first protocol the client offers that the server supports."""
    offered = [item.strip() for item in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if item.strip()]
    for protocol in offered:
        if protocol in supported:
            return protocol
    raise Refusal(403, f"requested protocol(s) are not supported: {offered}; supports {list(supported)}")


class Channels(Protocol):
    """What an exec or attach session needs of its connection: a websocket (`ChannelSocket`) or SPDY streams."""

    async def send(self, channel: int, data: bytes) -> None: ...

    async def receive(self) -> tuple[int, bytes] | None: ...

    async def close(self) -> None: ...


class ChannelSocket:
    """A prepared websocket speaking one channel protocol."""

    def __init__(self, ws: web.WebSocketResponse, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol

    @classmethod
    async def accept(cls, request: web.Request, protocol: str) -> ChannelSocket:
        """Complete the upgrade, echoing the negotiated protocol."""
        ws = web.WebSocketResponse(
            protocols=(protocol,),
            timeout=2.0,
            autoping=True,
            max_msg_size=64 * 1024 * 1024,
            compress=False,
        )
        await ws.prepare(request)
        return cls(ws, protocol)

    async def send(self, channel: int, data: bytes) -> None:
        """Send `data` on a channel, split into frames; an empty `data` still sends one (empty) frame.

        Raises `ClientGone` once the client has left.
        """
        chunks = [data[offset : offset + FRAME_PAYLOAD] for offset in range(0, len(data), FRAME_PAYLOAD)] or [b""]
        for chunk in chunks:
            if self.ws.closed:
                raise ClientGone("the websocket is closed")
            try:
                await self.ws.send_bytes(bytes([channel]) + chunk)
            except ConnectionResetError as error:
                raise ClientGone("the client closed the connection") from error

    async def receive(self) -> tuple[int, bytes] | None:
        """The next (channel, bytes) from the client, or None once the websocket is closed."""
        while True:
            message = await self.ws.receive()
            if message.type == WSMsgType.BINARY and message.data:
                return message.data[0], message.data[1:]
            if message.type == WSMsgType.TEXT and message.data:
                raw = message.data.encode()  # the official Python client writes str data as text frames
                return raw[0], raw[1:]
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return None

    async def close(self) -> None:
        if not self.ws.closed:
            await self.ws.close()
