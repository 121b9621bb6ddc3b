"""`python -m fakekube`: serve a seeded fake cluster in the foreground and write its kubeconfig."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .cluster import FakeCluster
from .kubeconfig import write_kubeconfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fakekube", description="Serve a fake Kubernetes API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port")
    parser.add_argument("--kubeconfig", help="write a kubeconfig for the server here once it listens")
    parser.add_argument("--context", default="fake")
    parser.add_argument("--pods", type=int, default=50)
    parser.add_argument("--namespaces", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7, help="random seed for the generated contents")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN=USER",
        help="require bearer tokens; repeat for several users",
    )
    parser.add_argument("--no-metrics", action="store_true", help="serve without metrics.k8s.io")
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a self-signed CA (kubectl sends tokens only over TLS)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run until interrupted; returns the exit code."""
    options = build_parser().parse_args(argv)
    tokens = {}
    for pair in options.token:
        token, separator, user = pair.partition("=")
        if not separator or not token or not user:
            print(f"--token expects TOKEN=USER, got {pair!r}", file=sys.stderr)
            return 2
        tokens[token] = user
    cluster = FakeCluster(metrics_api=not options.no_metrics, system_objects=True)
    cluster.seed(pods=options.pods, namespaces=options.namespaces, nodes=options.nodes, seed=options.seed)
    if tokens:
        cluster.require_auth(tokens)

    def on_ready(url: str) -> None:
        if options.kubeconfig:
            first_token = next(iter(tokens), None)
            write_kubeconfig(
                options.kubeconfig, url, context=options.context, token=first_token, ca_pem=cluster.serving_ca_pem
            )
        print(
            f"fake Kubernetes API server listening on {url}"
            + (f", kubeconfig {options.kubeconfig}" if options.kubeconfig else ""),
            flush=True,
        )

    cluster.run_forever(options.host, options.port, on_ready, tls=options.tls)
    return 0
