"""Stopping a session held by another worker, through the Channels layer.

Each worker that holds sessions listens on a channel of its own, added to the group named after its
worker id (`portforward.<host>-<pid>-<start>`). A stop from any worker sends `portforward.stop` to
that group and waits briefly for `portforward.stopped` on a reply channel. The database row is
marked stopped before the message goes out, so a worker that misses the message still closes the
listener at its next check, when it sees the row no longer live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer

from k8stools.portforward.worker import group_name

STOP = "portforward.stop"
STOPPED = "portforward.stopped"


def shared_layer() -> BaseChannelLayer | None:
    """The channel layer, when other processes can hear it (the in-memory layer stays in its process)."""
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return None
    return layer


async def request_stop(layer: BaseChannelLayer, *, worker_id: str, session_id: str, by: str, timeout: float) -> bool:
    """Ask `worker_id` to close the session's listeners; True when it confirmed within `timeout`."""
    reply = await layer.new_channel()
    await layer.group_send(group_name(worker_id), {"type": STOP, "session_id": session_id, "by": by, "reply_to": reply})
    try:
        while True:
            message = await asyncio.wait_for(layer.receive(reply), timeout)
            if message.get("type") == STOPPED and message.get("session_id") == session_id:
                return True
    except TimeoutError:
        return False


class StopListener:
    """This worker's end: receives stop requests for its sessions and answers them."""

    def __init__(
        self,
        layer: BaseChannelLayer,
        *,
        worker_id: str,
        stop: Callable[[str, str], Awaitable[bool]],
        on_error: Callable[[str], None],
    ) -> None:
        self.layer = layer
        self.group = group_name(worker_id)
        self.stop = stop
        self.on_error = on_error
        self.channel = ""

    async def join(self) -> None:
        """Join (or, called again, stay in) the worker's group; group membership expires otherwise."""
        if not self.channel:
            self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)

    async def leave(self) -> None:
        if self.channel:
            await self.layer.group_discard(self.group, self.channel)

    async def run(self) -> None:
        """Receive until cancelled; a layer that fails (Redis restarting) is retried after a pause."""
        while True:
            try:
                await self.join()
                while True:
                    message = await self.layer.receive(self.channel)
                    await self._handle(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the layer went away: keep trying, the database covers meanwhile
                self.on_error(f"{type(error).__name__}: {error}")
                await asyncio.sleep(1.0)

    async def _handle(self, message: dict[str, Any]) -> None:
        if message.get("type") != STOP or not isinstance(message.get("session_id"), str):
            return
        found = await self.stop(message["session_id"], str(message.get("by") or "another worker"))
        reply_to = message.get("reply_to")
        if isinstance(reply_to, str) and reply_to:
            await self.layer.send(reply_to, {"type": STOPPED, "session_id": message["session_id"], "found": found})
