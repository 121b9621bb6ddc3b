"""`manage.py fakecluster`: the fake Kubernetes API server in the foreground, with a kubeconfig for it."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fakekube.cli import main as fakekube_main


class Command(BaseCommand):
    help = "Run a seeded fake Kubernetes API server until interrupted; writes a kubeconfig for it once listening."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001, help="0 picks a free port")
        parser.add_argument("--kubeconfig", required=True, metavar="PATH", help="where to write the kubeconfig")
        parser.add_argument("--pods", type=int, default=50, metavar="N")
        parser.add_argument("--namespaces", type=int, default=3, metavar="N")

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--kubeconfig",
            options["kubeconfig"],
            "--pods",
            str(options["pods"]),
            "--namespaces",
            str(options["namespaces"]),
        ]
        # SIGTERM stops the server as Ctrl-C does: the fake cleans up and returns.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        code = fakekube_main(argv)
        if code:
            raise CommandError(f"the fake cluster exited with status {code}")
