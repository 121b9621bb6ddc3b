"""`manage.py serve`: the MCP server over streamable HTTP (daphne, in-process) or stdio.

Pending migrations are applied first, silently, one process at a time (k8stools.migrating: workers
started together on a fresh database all come up). Without a usable kubeconfig the server still starts
and says so in one line on stderr: tools answer with the same error until a kubeconfig
appears (it is re-read when the file changes), and `/readyz` reports it. `--demo` serves
against a seeded fake cluster instead, with either transport.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import anyio
from django.conf import settings
from django.core.checks import Tags
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string

from k8stools.context import ServerContext, get_server_context
from k8stools.kube import KubeConfigError
from k8stools.management import start_gc
from k8stools.management.first_run import DEMO_ADMIN_USERNAME, demo_admin_password, has_superuser
from k8stools.management.launcher import Launcher, kubemcp_launcher, manage_py_launcher


def http_address(value: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:8000`) into its parts."""
    host, separator, port = value.rpartition(":")
    if not separator or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


class Command(BaseCommand):
    help = "Serve MCP over streamable HTTP at /mcp (daphne) or over stdio; --demo serves a seeded fake cluster."
    # Only the security checks at start (the OAuth gateway's configuration, ~1 ms). The whole set costs ~0.3 s of
    # every start (URLconf, middleware, the migration autodetector) and checks the code, not the deployment:
    # `manage.py test` (CI) and `manage.py check` run it.
    requires_system_checks = [Tags.security]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--transport", choices=("http", "stdio"), default="http")
        parser.add_argument(
            "--http-addr",
            type=http_address,
            default=("127.0.0.1", 8000),
            metavar="HOST:PORT",
            help="where to listen with --transport http (default 127.0.0.1:8000)",
        )
        parser.add_argument("--demo", action="store_true", help="start a seeded fake Kubernetes cluster and serve it")
        parser.add_argument("--demo-pods", type=int, default=30, metavar="N")
        parser.add_argument("--demo-namespaces", type=int, default=3, metavar="N")
        # Set by the `kubemcp` command, so what is printed names it rather than manage.py.
        parser.add_argument("--launcher", default="", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        stdio = options["transport"] == "stdio"
        # On stdio, stdout belongs to the protocol: everything for people goes to stderr.
        out = self.stderr if stdio else self.stdout
        try:
            apply_pending_migrations()
        except DatabaseError as error:
            raise CommandError(f"cannot apply the database migrations: {error}") from None
        launcher = kubemcp_launcher(options["launcher"]) if options["launcher"] else manage_py_launcher()
        self.stderr.write(
            f"kubemcp: data in {settings.DATA_DIR}" + (" (the demo's own database)" if options["demo"] else "")
        )
        admin_lines = self.admin_lines(launcher, demo=options["demo"], stdio=stdio)
        with ExitStack() as stack:
            stack.callback(lambda: get_server_context().shutdown())
            demo_lines: list[str] = []
            if options["demo"]:
                from k8stools.management.demo import demo_cluster, use_kubeconfig

                demo = stack.enter_context(
                    demo_cluster(pods=options["demo_pods"], namespaces=options["demo_namespaces"])
                )
                use_kubeconfig(demo.kubeconfig, demo=True)
                demo_lines.append(
                    f"demo cluster: {demo.pods} pods in {demo.namespaces} namespaces at {demo.url} "
                    f"(kubeconfig {demo.kubeconfig})"
                )
            elif not stdio:
                self.warn_without_kubeconfig()
            if stdio:
                self.serve_stdio(
                    out,
                    demo_lines,
                    launcher,
                    demo=options["demo"],
                    cleanup=stack.close,
                    # Beside the server rather than before it: reading a kubeconfig loads the `kubernetes` package
                    # (~0.25 s of CPU), which `initialize` and `tools/list` do not need.
                    beside=None if options["demo"] else self.warn_without_kubeconfig,
                )
            else:
                self.serve_http(out, demo_lines, admin_lines, launcher, *options["http_addr"], demo=options["demo"])

    def warn_without_kubeconfig(self) -> None:
        """Say in one line on stderr when no cluster can be reached with the configuration; the server serves anyway."""
        if problem := kubeconfig_problem(get_server_context()):
            self.stderr.write(
                f"kubemcp: {problem.rstrip('.')}; serving anyway, tools answer with this error until a kubeconfig is usable "
                "(set KUBECONFIG, or try --demo)"
            )

    def admin_lines(self, launcher: Launcher, *, demo: bool, stdio: bool) -> list[str]:
        """What to say about the admin console: the demo's credentials, or how to create a first admin user.

        Each line is a format string for the admin URL, known once the HTTP server has bound its port."""
        if demo:
            if stdio:
                return []
            password = demo_admin_password()
            return [f"admin console: {{admin}} (user {DEMO_ADMIN_USERNAME}, password {password}; new at each start)"]
        if not has_superuser():
            line = f"no admin user yet: create one with `{launcher.manage('createsuperuser')}`"
            if stdio:
                self.stderr.write(f"kubemcp: {line}")
                return []
            return ["admin console: {admin} (" + line + ")"]
        return [] if stdio else ["admin console: {admin}"]

    def serve_stdio(
        self,
        out: OutputWrapper,
        demo_lines: list[str],
        launcher: Launcher,
        *,
        demo: bool,
        cleanup: Any,
        beside: Callable[[], None] | None = None,
    ) -> None:
        from k8stools.server import KubeMCPServer

        server = KubeMCPServer(request_state_key=settings.MCP_REQUEST_STATE_KEY)
        for line in demo_lines:
            out.write(line)
        if demo:
            out.write("client configuration: " + json.dumps(client_config(launcher.stdio_client(demo=True))))
        out.flush()

        def terminate(signum: int, frame: Any) -> None:
            # The SDK reads stdin in a worker thread that no cancellation reaches (it would wait for the next
            # line): clean up what we started and leave at once.
            cleanup()
            os._exit(0)

        signal.signal(signal.SIGTERM, terminate)
        signal.signal(signal.SIGINT, terminate)
        start_gc.resume(freeze=True)
        if beside is not None:
            threading.Thread(target=beside, name="kubemcp-start-check", daemon=True).start()
        anyio.run(server.run_stdio_async)

    def serve_http(
        self,
        out: OutputWrapper,
        demo_lines: list[str],
        admin_lines: list[str],
        launcher: Launcher,
        host: str,
        port: int,
        *,
        demo: bool,
    ) -> None:
        # daphne.server installs Twisted's asyncio reactor, so it comes before anything that imports a reactor;
        # only here, so that stdio never loads Twisted.
        from k8stools.management.daphne_server import AnnouncingServer, build_endpoint_description_strings  # isort:skip

        # The project's ASGI application, as configured: this app does not import the project that assembles it.
        application = import_string(settings.ASGI_APPLICATION)

        def announce(bound_host: str, bound_port: int) -> None:
            shown = f"[{bound_host}]" if ":" in bound_host else bound_host
            # A wildcard address is not one to browse to.
            browse = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]"}.get(shown, shown)
            url = f"http://{shown}:{bound_port}/mcp"
            out.write(f"kubemcp serving MCP at {url} (streamable HTTP; Ctrl-C to stop)")
            for line in demo_lines:
                out.write(line)
            for line in admin_lines:
                out.write(line.format(admin=f"http://{browse}:{bound_port}/admin/"))
            if demo:
                out.write("client configuration: " + json.dumps(client_config({"url": url})))
                out.write(
                    "stdio client configuration (starts a demo of its own): "
                    + json.dumps(client_config(launcher.stdio_client(demo=True)))
                )
            out.flush()

        server = AnnouncingServer(
            application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            announce=announce,
        )
        start_gc.resume(freeze=True)
        server.run()
        if not server.listening_addresses:
            raise CommandError(f"could not listen on {host}:{port} (see the message above)")


def apply_pending_migrations() -> None:
    """`migrate`, when it has work to do, with the cyclic collector on (see `start_gc.collecting`)."""
    if migrations_pending():
        with start_gc.collecting():
            call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)


def migrations_pending() -> bool:
    """Whether `migrate` has work to do: a no-op `migrate` still costs a start-up ~0.2-0.4 s (post-migrate
    handlers check every content type and permission)."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def kubeconfig_problem(context: ServerContext) -> str | None:
    """Why the server cannot reach a cluster with its configuration, or None when it can try."""
    if context.config.in_cluster:
        return None
    try:
        context.client_factory.default_context_name()
    except KubeConfigError as error:
        return str(error)
    return None


def client_config(entry: dict[str, Any]) -> dict[str, Any]:
    return {"mcpServers": {"kubemcp": entry}}
