"""The server side of a SPDY/3.1 session, as client-go's port-forward speaks it.

kubectl and client-go forward ports over SPDY: either tunnelled in a websocket
(`SPDY/3.1+portforward.k8s.io`) or on a raw HTTP connection upgraded to `SPDY/3.1`. The
client opens every stream (an error and a data stream per forwarded connection); the
server answers each with SYN_REPLY, exchanges DATA, and closes with FIN. Flow control
windows are acknowledged but not enforced, like the moby/spdystream library on the other end.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Awaitable, Callable

from aiohttp import web

# Past this much unsent data, writers wait for the client to read.
WRITE_BUFFER_LIMIT = 1024 * 1024
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
VERSION = 3
RST_CANCEL = 5

_WORDS = (
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
)
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
# The zlib dictionary of SPDY/3 header blocks (1423 bytes, from the protocol draft).
HEADER_DICTIONARY = b"".join(struct.pack(">I", len(word)) + word.encode() for word in _WORDS) + _TAIL.encode()


class SpdyStream:
    """A client-opened stream: its headers, and what the client sent on it (None marks its end)."""

    def __init__(self, stream_id: int, headers: dict[str, str]) -> None:
        self.id = stream_id
        self.headers = headers
        self.incoming: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.reset = False
        self.finished = False
        self.sent_fin = False


class SpdySession:
    """Frames in (`feed`), frames out (through `send`), and the streams the client opened (`streams`)."""

    def __init__(self, send: Callable[[bytes], Awaitable[None]]) -> None:
        self._send = send
        self._buffer = bytearray()
        self._inflate = zlib.decompressobj(zdict=HEADER_DICTIONARY)
        self._deflate = zlib.compressobj(zdict=HEADER_DICTIONARY)
        self._lock = asyncio.Lock()
        self.streams: dict[int, SpdyStream] = {}
        self.opened: asyncio.Queue[SpdyStream | None] = asyncio.Queue()
        self.closed = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    def feed(self, data: bytes) -> None:
        """Take bytes from the connection and act on every complete frame."""
        self._buffer += data
        while len(self._buffer) >= 8:
            length = int.from_bytes(self._buffer[5:8], "big")
            if len(self._buffer) < 8 + length:
                return
            frame, self._buffer = bytes(self._buffer[: 8 + length]), self._buffer[8 + length :]
            if frame[0] & 0x80:
                self._control(int.from_bytes(frame[2:4], "big"), frame[4], frame[8:], frame)
            else:
                self._data(int.from_bytes(frame[0:4], "big") & 0x7FFFFFFF, frame[4], frame[8:])

    def end(self) -> None:
        """The connection is gone: every stream ends."""
        for stream in self.streams.values():
            if not stream.finished:
                stream.incoming.put_nowait(None)
        self.opened.put_nowait(None)
        self.closed.set()

    def _control(self, kind: int, flags: int, payload: bytes, frame: bytes) -> None:
        if kind == SYN_STREAM:
            stream_id = int.from_bytes(payload[0:4], "big") & 0x7FFFFFFF
            opened = SpdyStream(stream_id, self._decode_headers(payload[10:]))
            self.streams[stream_id] = opened
            if flags & FLAG_FIN:
                opened.incoming.put_nowait(None)
            self.opened.put_nowait(opened)
        elif kind == RST_STREAM:
            stream = self.streams.get(int.from_bytes(payload[0:4], "big") & 0x7FFFFFFF)
            if stream is not None:
                stream.reset = stream.finished = True
                stream.incoming.put_nowait(None)
        elif kind == PING:
            self._later(self._write(frame))  # a ping is answered with the same frame
        elif kind == GOAWAY:
            self.end()

    def _data(self, stream_id: int, flags: int, payload: bytes) -> None:
        stream = self.streams.get(stream_id)
        if stream is None or stream.reset:
            return
        if payload:
            stream.incoming.put_nowait(payload)
            window = struct.pack(">I", len(payload))
            self._later(
                self._write(
                    self._control_frame(WINDOW_UPDATE, 0, struct.pack(">I", stream_id) + window)
                    + self._control_frame(WINDOW_UPDATE, 0, struct.pack(">I", 0) + window)
                )
            )
        if flags & FLAG_FIN:
            stream.incoming.put_nowait(None)

    def _later(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _decode_headers(self, block: bytes) -> dict[str, str]:
        raw = self._inflate.decompress(block)
        count, offset, headers = struct.unpack(">I", raw[:4])[0], 4, {}
        for _ in range(count):
            size = struct.unpack(">I", raw[offset : offset + 4])[0]
            name = raw[offset + 4 : offset + 4 + size].decode()
            offset += 4 + size
            size = struct.unpack(">I", raw[offset : offset + 4])[0]
            headers[name.lower()] = raw[offset + 4 : offset + 4 + size].decode()
            offset += 4 + size
        return headers

    def _encode_headers(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers)) + b"".join(
            struct.pack(">I", len(name)) + name.encode() + struct.pack(">I", len(value)) + value.encode()
            for name, value in headers.items()
        )
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    @staticmethod
    def _control_frame(kind: int, flags: int, payload: bytes) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(payload)) + payload

    async def _write(self, data: bytes) -> None:
        if self.closed.is_set():
            return
        async with self._lock:
            await self._send(data)

    async def reply(self, stream: SpdyStream) -> None:
        """Accept a stream the client opened."""
        async with self._lock:
            block = self._encode_headers({})
            await self._send(self._control_frame(SYN_REPLY, 0, struct.pack(">I", stream.id) + block))

    async def send_data(self, stream: SpdyStream, data: bytes, fin: bool = False) -> None:
        """Write on a stream; `fin` closes the server's side of it."""
        if stream.reset or stream.sent_fin or self.closed.is_set():
            return
        stream.sent_fin = fin
        await self._write(struct.pack(">II", stream.id, ((FLAG_FIN if fin else 0) << 24) | len(data)) + data)

    async def close_stream(self, stream: SpdyStream) -> None:
        await self.send_data(stream, b"", fin=True)

    async def reset(self, stream: SpdyStream, status: int) -> None:
        """Refuse or abandon a stream."""
        stream.reset = stream.finished = True
        await self._write(self._control_frame(RST_STREAM, 0, struct.pack(">II", stream.id, status)))

    async def goaway(self) -> None:
        """Tell the client no more streams will be accepted."""
        last = max(self.streams, default=0)
        await self._write(self._control_frame(GOAWAY, 0, struct.pack(">II", last, 0)))


class _SessionFeeder:
    """Receives the connection's bytes once aiohttp hands the upgraded connection over."""

    def __init__(self, session: SpdySession) -> None:
        self.session = session

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        self.session.feed(data)
        return False, b""

    def feed_eof(self) -> None:
        self.session.end()


async def accept_spdy(request: web.Request, protocol: str) -> tuple[web.StreamResponse, SpdySession]:
    """Upgrade a raw HTTP request to SPDY/3.1 speaking `protocol`; the caller closes `request.transport` when done."""
    response = web.StreamResponse(
        status=101,
        headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": protocol},
    )
    response.force_close()
    await response.prepare(request)
    transport = request.transport
    assert transport is not None and request.protocol is not None

    async def send(data: bytes) -> None:
        if transport.is_closing():
            raise ConnectionResetError("the client closed the connection")
        transport.write(data)
        while transport.get_write_buffer_size() > WRITE_BUFFER_LIMIT and not transport.is_closing():
            await asyncio.sleep(0.005)

    session = SpdySession(send)
    # aiohttp keeps what follows an upgrade request for whoever takes the connection over, as its websockets do.
    request.protocol.set_parser(_SessionFeeder(session))  # type: ignore[arg-type]
    return response, session


def offered_protocols(request: web.Request) -> list[str]:
    """The stream protocols a SPDY upgrade offers (`X-Stream-Protocol-Version`, repeated or comma-separated)."""
    return [
        item.strip()
        for value in request.headers.getall("X-Stream-Protocol-Version", [])
        for item in value.split(",")
        if item.strip()
    ]
