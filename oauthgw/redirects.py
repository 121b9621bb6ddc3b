"""Which redirect URIs a client may register and use (checked at registration and again at authorize).

Allowed: https to a public host; http only to a loopback host (RFC 8252 native apps); a custom
scheme (cursor://, vscode://) only when the operator lists it in `TRUSTED_REDIRECT_SCHEMES`.
Refused always: fragments, credentials in the URI, script-like schemes, link-local (cloud metadata)
and unusable addresses; private addresses (RFC 1918, ULA, shared address space) unless
`ALLOW_PRIVATE_IP_REDIRECT_URIS`, in whatever spelling the host denotes them (`0xa9fea9fe`, `10.1`,
`0177.0.0.1`, NAT64, IPv4-mapped), and, at registration, a name that resolves to one.
Matching at authorize is exact, except the port of an http loopback URI (RFC 8252 section 7.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from ipaddress import IPv4Address
from urllib.parse import SplitResult, urlsplit

from oauthgw.addresses import BadHost, IPAddress, address_kind, host_address

SCHEME_PATTERN = re.compile(r"^[a-z][a-z0-9+.-]{0,63}$")
BLOCKED_SCHEMES = frozenset(
    {"javascript", "data", "file", "vbscript", "about", "ftp", "blob", "ms-appx", "ms-appx-web"}
)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WEB_SCHEMES = frozenset({"http", "https"})


def scheme_problem(scheme: str) -> str | None:
    """Why a scheme cannot be trusted as a custom redirect scheme, or None."""
    if not SCHEME_PATTERN.match(scheme):
        return f"{scheme!r} is not a valid URI scheme (lowercase letters, digits, '+', '-', '.')"
    if scheme in BLOCKED_SCHEMES:
        return f"the {scheme!r} scheme is never allowed for redirects"
    if scheme in WEB_SCHEMES:
        return f"{scheme!r} is always handled by the https/loopback rules and cannot be listed"
    return None


def redirect_uri_problem(
    uri: str,
    *,
    trusted_schemes: Iterable[str] = (),
    allow_private_ips: bool = False,
    resolve: Callable[[str], Iterable[IPAddress]] | None = None,
) -> str | None:
    """Why `uri` may not be registered as a redirect URI, or None when it may.

    The host is judged on the address it denotes in any spelling (oauthgw.addresses); a DNS name, when
    `resolve` is given (at registration), on every address it resolves to.
    """
    if not uri or any(ch.isspace() for ch in uri):
        return "a redirect URI must be a non-empty URI without spaces"
    if "#" in uri:
        return "a redirect URI must not have a fragment"
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"{uri!r} is not a valid URI"
    scheme = parts.scheme.lower()
    if not scheme:
        return f"{uri!r} has no scheme"
    if scheme in BLOCKED_SCHEMES:
        return f"the {scheme!r} scheme is not allowed for redirect URIs"
    if "@" in parts.netloc:
        return "a redirect URI must not carry credentials"
    if scheme not in WEB_SCHEMES:
        if scheme not in set(trusted_schemes):
            return f"the custom scheme {scheme!r} is not one of this server's trusted redirect schemes"
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return f"{uri!r} has no host"
    if scheme == "http":
        if host not in LOOPBACK_NAMES:
            return "plain http redirect URIs are allowed only to a loopback host (127.0.0.1, ::1, localhost)"
        return None
    try:
        address = host_address(host)
    except BadHost as error:
        return f"{uri!r} has no valid host: {error}"
    if isinstance(address, IPv4Address) and host != str(address):
        # 0xa9fea9fe, 10.1, 0177.0.0.1: no client needs these spellings, and they hide what they point to.
        return f"a redirect URI must write its IPv4 address as four decimal numbers ({host} is {address})"
    addresses = [address] if address is not None else list(resolve(host) if resolve is not None else [])
    for each in addresses:
        kind = address_kind(each)
        if kind in ("link-local", "unusable"):
            return f"a redirect URI must not point to a {kind} address ({host} is {each})"
        if kind == "private" and not allow_private_ips:
            return f"a redirect URI must not point to a private network address ({host} is {each})"
    return None


def is_registered(uri: str, registered: Iterable[str]) -> bool:
    """Whether `uri` is one of the `registered` redirect URIs: exactly, or, for an http loopback URI, with any
    port (RFC 8252 section 7.3: a native app listens on a port the system gives it at the time)."""
    registered = list(registered)
    if uri in registered:
        return True
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    if parts.scheme != "http" or (parts.hostname or "") not in LOOPBACK_NAMES or "@" in parts.netloc:
        return False
    return any(_same_but_port(urlsplit(candidate), parts) for candidate in registered)


def _same_but_port(one: SplitResult, other: SplitResult) -> bool:
    return (
        one.scheme == other.scheme
        and one.hostname == other.hostname
        and "@" not in one.netloc
        and (one.path, one.query, one.fragment) == (other.path, other.query, other.fragment)
    )


def is_custom_scheme(uri: str) -> bool:
    return urlsplit(uri).scheme.lower() not in WEB_SCHEMES
