"""Running the fake's aiohttp app: in a background thread with its own loop (tests), or in the foreground."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from aiohttp import web

from .certificates import ServingCertificate
from .kubeconfig import write_kubeconfig


class RunningServer:
    """A started fake API server; a context manager that stops it on exit."""

    def __init__(
        self,
        app_factory: Callable[[], web.Application],
        host: str = "127.0.0.1",
        port: int = 0,
        certificate: ServingCertificate | None = None,
    ) -> None:
        self._app_factory = app_factory
        self.host = host
        self.port = port
        self.certificate = certificate
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.certificate else 'http'}://{self.host}:{self.port}"

    @property
    def ca_pem(self) -> bytes | None:
        """The CA that signed the serving certificate (HTTPS only), for clients to trust."""
        return self.certificate.ca_pem if self.certificate else None

    def start(self) -> RunningServer:
        """Start serving in a daemon thread; returns once the port is listening."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start())
            except BaseException as error:  # reported to the starting thread
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name=f"fakekube-{self.port}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app_factory(), handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._bind()

    async def _bind(self) -> None:
        assert self._runner is not None
        context = self.certificate.server_context() if self.certificate else None
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True, ssl_context=context)
        await self._site.start()
        self.port = self._runner.addresses[0][1]

    async def _unbind(self) -> None:
        """Close the listening socket and every open connection: the API server is gone."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self._runner is not None and self._runner.server is not None:
            for connection in list(self._runner.server.connections):
                if connection.transport is not None:
                    connection.transport.abort()

    async def _cleanup(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _call(self, coroutine: Any) -> None:
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def pause(self) -> None:
        """Stop listening and cut open connections; `resume()` binds the same port again."""
        self._call(self._unbind())

    def resume(self) -> None:
        self._call(self._bind())

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        loop = self._loop
        try:
            self._call(self._unbind())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=10)
            self._loop = None

    def write_kubeconfig(
        self,
        path: str | os.PathLike[str],
        context: str = "fake",
        namespace: str = "default",
        token: str | None = None,
        extra_contexts: Iterable[str | tuple[str, str | None]] = (),
    ) -> Path:
        """A kubeconfig for this server; `extra_contexts` add more contexts reaching the same server
        (names, or (name, token) pairs). Over HTTPS it carries the CA."""
        return write_kubeconfig(path, self.url, context, namespace, token, extra_contexts, self.ca_pem)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def run_forever(
    app: web.Application,
    host: str,
    port: int,
    on_ready: Callable[[str], None] | None = None,
    certificate: ServingCertificate | None = None,
) -> None:
    """Serve in the foreground until interrupted; `on_ready(url)` runs once the port is listening."""

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        context = certificate.server_context() if certificate else None
        site = web.TCPSite(runner, host, port, reuse_address=True, ssl_context=context)
        await site.start()
        bound = runner.addresses[0][1]
        if on_ready is not None:
            on_ready(f"{'https' if certificate else 'http'}://{host}:{bound}")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
