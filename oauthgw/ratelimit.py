"""Rate limits through django-ratelimit's core, and the client address behind trusted proxies.

django-ratelimit counts requests in fixed windows kept in the Django cache (Redis in a team
deployment, so every worker shares the counts). A token bucket "R per second, burst B" maps to
the rate "B/<B/R>s": a burst of B passes, and over any window the average stays at R per second
(upstream's 10/s burst 20 per IP is "20/2s"). Its decorator breaks async views, so callers use
`check()` from sync code (the ASGI middleware runs it through `sync_to_async`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from django_ratelimit.core import get_usage

RATE_PATTERN = re.compile(r"^(\d+)/(\d*)([smhd])$")
DISABLED = ("", "off", "none", "0")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def valid_rate(rate: str) -> bool:
    """True for a django-ratelimit rate such as `20/2s` or `10/h`, or a word that disables the limit."""
    rate = rate.strip().lower()
    return rate in DISABLED or bool(RATE_PATTERN.match(rate))


@dataclass(frozen=True)
class Verdict:
    limited: bool
    retry_after: int = 0


ALLOWED = Verdict(False)


def check(group: str, key: str, rate: str, *, increment: bool = True) -> Verdict:
    """Count one request for `key` in `group` and say whether it is over `rate`."""
    if rate.strip().lower() in DISABLED:
        return ALLOWED
    # get_usage() only reads `method` from the request when a key function is given.
    request = SimpleNamespace(method="POST", META={})
    usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment)
    if usage is None or not usage["should_limit"]:
        return ALLOWED
    return Verdict(True, max(1, int(usage["time_left"])))


def exhausted(group: str, key: str, rate: str) -> Verdict:
    """Whether `key` has already used all of `rate` in `group` (counts nothing: failures are counted by
    `check()` where they happen)."""
    if rate.strip().lower() in DISABLED:
        return ALLOWED
    request = SimpleNamespace(method="POST", META={})
    usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=False)
    if usage is None or usage["count"] < usage["limit"]:
        return ALLOWED
    return Verdict(True, max(1, int(usage["time_left"])))


def parse_networks(values: Iterable[str]) -> list[Network]:
    """Networks from addresses or CIDRs; raises ValueError naming a bad entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network") from None
    return networks


def client_ip(peer: str, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy.

    Behind trusted proxies the X-Forwarded-For chain is read from the right, skipping trusted
    hops; the first untrusted address is the client (entries further left are client-controlled).
    """
    if not trusted or not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop if _is_address(hop) else peer
    return hops[0] if hops and _is_address(hops[0]) else peer


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_trusted(value: str, trusted: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(address in network for network in trusted)
