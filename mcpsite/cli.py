"""The `kubemcp` command: what an installed kubemcp is started with.

    kubemcp                     MCP over stdio (what desktop clients and the MCP Inspector start)
    kubemcp --port 8000         MCP over streamable HTTP at /mcp, with the admin console
    kubemcp demo                a built-in fake cluster, served over HTTP, with its own database and admin user
    kubemcp manage CMD ...      any Django management command (migrate, createsuperuser, check...)

Flags map onto the environment variables that configure everything else (README, "Configuration"); the
server itself is `manage.py serve`'s code, so both start the same way (migrations, checks, shutdown).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from k8stools.management import allocator, start_gc

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Options that take a value, so that the subcommand can be told from an option's value (`--context manage`).
VALUE_OPTIONS = frozenset({"--kubeconfig", "--context", "--log-level", "--host", "--port", "--pods", "--namespaces"})
SUBCOMMANDS = ("demo", "manage")


def version() -> str:
    try:
        return metadata.version("kubemcp")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    # SUPPRESS: an option given before a subcommand is not reset by the subcommand's own default.
    cluster = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    cluster.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file (env KUBECONFIG)")
    cluster.add_argument("--context", metavar="NAME", help="kubeconfig context to use (env KUBE_CONTEXT)")
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument(
        "--read-only",
        action="store_true",
        help="read-only tools only: NON_DESTRUCTIVE=true and no ALLOWED_OPERATIONS (staff may still edit the policy)",
    )
    common.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, help="env LOG_LEVEL (default INFO)")
    http = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    http.add_argument("--host", help="serve streamable HTTP on this address (default 127.0.0.1)")
    http.add_argument("--port", type=int, help="serve streamable HTTP on this port (default 8000; 0 picks one)")

    parser = argparse.ArgumentParser(
        prog="kubemcp",
        parents=[cluster, common, http],
        description="A Model Context Protocol server for Kubernetes, guarded by one policy. With no arguments it "
        "speaks MCP over stdio; --port or --host serve streamable HTTP at /mcp with the admin console.",
        epilog="Every setting is also an environment variable (see the README). Data lives in DATA_DIR.",
    )
    parser.add_argument("--version", action="version", version=f"kubemcp {version()}")
    commands = parser.add_subparsers(dest="command", metavar="{demo,manage}")
    demo = commands.add_parser(
        "demo",
        parents=[common, http],
        help="serve a built-in fake cluster (own database, admin user printed at start)",
        description="Start a seeded fake Kubernetes cluster and serve it over streamable HTTP (or --stdio), with a "
        "database of its own and an admin user whose new password is printed at each start.",
    )
    demo.add_argument("--stdio", action="store_true", default=False, help="speak MCP over stdio instead of HTTP")
    demo.add_argument("--pods", type=int, default=30, metavar="N", help="pods to seed (default 30)")
    demo.add_argument("--namespaces", type=int, default=3, metavar="N", help="namespaces to seed (default 3)")
    commands.add_parser(
        "manage", add_help=False, help="run a Django management command: kubemcp manage help lists them"
    )
    return parser


def split_manage(argv: Sequence[str]) -> tuple[list[str], list[str] | None]:
    """`argv` before and after the `manage` subcommand; None when the subcommand is not `manage`."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in VALUE_OPTIONS:
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            break
    if index < len(argv) and argv[index] == "manage":
        return list(argv[: index + 1]), list(argv[index + 1 :])
    return list(argv), None


def apply_options(options: argparse.Namespace) -> None:
    """Turn the flags into the environment variables that the settings read."""
    if kubeconfig := getattr(options, "kubeconfig", None):
        os.environ["KUBECONFIG"] = str(Path(kubeconfig).expanduser().resolve())
    if context := getattr(options, "context", None):
        os.environ["KUBE_CONTEXT"] = context
    if getattr(options, "read_only", False):
        os.environ["READ_ONLY"] = "true"
        os.environ["NON_DESTRUCTIVE"] = "true"
        os.environ["ALLOWED_OPERATIONS"] = ""
    if log_level := getattr(options, "log_level", None):
        os.environ["LOG_LEVEL"] = log_level
    if options.command == "demo":
        os.environ["KUBEMCP_DEMO"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")


def launcher_command() -> str:
    """How a client should start this same command (shell-quoted): `kubemcp` when that is what PATH finds,
    `uvx kubemcp` when uvx runs it from its cache (which is not on the user's PATH), else its full path."""
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if here is None:
        return "kubemcp"
    if os.environ.get("UV") and any(part.startswith("archive-v") for part in here.parts):
        return "uvx kubemcp"
    found = shutil.which("kubemcp")
    if found and Path(found).resolve() == here:
        return "kubemcp"
    return shlex.quote(str(here))


def serve_arguments(options: argparse.Namespace) -> list[str]:
    """The `serve` management command's arguments for these options."""
    demo = options.command == "demo"
    http = hasattr(options, "host") or hasattr(options, "port") or (demo and not options.stdio)
    arguments = ["--launcher", launcher_command()]
    if http:
        host = getattr(options, "host", "127.0.0.1")
        shown = f"[{host}]" if ":" in host else host
        arguments += ["--transport", "http", "--http-addr", f"{shown}:{getattr(options, 'port', 8000)}"]
    else:
        arguments += ["--transport", "stdio"]
    if demo:
        arguments += ["--demo", "--demo-pods", str(options.pods), "--demo-namespaces", str(options.namespaces)]
    return arguments


def main(argv: Sequence[str] | None = None) -> None:
    """The `kubemcp` console script."""
    words = list(sys.argv[1:] if argv is None else argv)
    before, manage_words = split_manage(words)
    options = build_parser().parse_args(before)
    apply_options(options)
    if manage_words is None:
        start_gc.pause()  # until the server is built: `serve` resumes it
        allocator.tune()  # before any thread starts
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command, execute_from_command_line
    from django.core.management.base import CommandError

    try:
        django.setup()
        from mcpsite.datadir import ensure_database_directory

        ensure_database_directory(settings.DATABASES)
        if manage_words is not None:
            execute_from_command_line(["kubemcp manage", *manage_words])
        else:
            call_command("serve", *serve_arguments(options))
    except ImproperlyConfigured as error:
        # A bad environment variable is the operator's to fix: one line that names it, no traceback.
        print(f"kubemcp: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    except CommandError as error:
        print(f"kubemcp: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
