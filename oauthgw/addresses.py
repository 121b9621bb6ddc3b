"""What address a URL's host denotes, read the way a browser reads it, and what kind of address that is.

A browser does not take `0xa9fea9fe`, `10.1`, `167772161` or `0177.0.0.1` for names: the WHATWG URL
standard's IPv4 parser reads them as 169.254.169.254, 10.0.0.1, 10.0.0.1 and 127.0.0.1 (hex, octal and
fewer than four parts, as inet_aton does), after percent-decoding and IDNA mapping (`%31%32%37.0.0.1`,
full-width digits). IPv6 addresses that carry an IPv4 address (IPv4-mapped and -compatible, NAT64, 6to4,
Teredo) are judged by the IPv4 address they lead to. Pure functions, no Django.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Literal
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Kind = Literal["public", "loopback", "private", "link-local", "unusable"]

NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_DECIMAL = re.compile(r"^[0-9]+$")
_HEX = re.compile(r"^0[xX][0-9a-fA-F]*$")
_OCTAL = re.compile(r"^0[0-7]+$")


class BadHost(ValueError):
    """The host is neither a valid name nor a valid address (a browser would refuse the URL)."""


def _ipv4_number(part: str) -> int:
    if _HEX.match(part):
        return int(part[2:] or "0", 16)
    if _OCTAL.match(part):
        return int(part, 8)
    if _DECIMAL.match(part):
        return int(part, 10)
    raise BadHost(f"{part!r} is not a number")


def _ends_in_a_number(labels: list[str]) -> bool:
    last = labels[-1]
    return bool(_DECIMAL.match(last) or _HEX.match(last))


def host_address(host: str) -> IPAddress | None:
    """The address `host` (a URL's host, IPv6 without brackets) denotes, or None when it is a DNS name.

    Raises BadHost for a host a browser would refuse: a number out of range, an IPv6 zone, bad IDNA.
    """
    decoded = unquote(host)
    if ":" in decoded:
        if "%" in decoded:
            raise BadHost("an IPv6 zone identifier is not allowed in a URL")
        try:
            return ipaddress.IPv6Address(decoded)
        except ValueError:
            raise BadHost(f"{host!r} is not a valid IPv6 address") from None
    try:
        ascii_host = decoded.encode("idna").decode("ascii").lower() if not decoded.isascii() else decoded.lower()
    except UnicodeError:
        raise BadHost(f"{host!r} is not a valid host name") from None
    labels = ascii_host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels = labels[:-1]
    if not labels or not labels[-1] or not _ends_in_a_number(labels):
        return None
    # WHATWG URL standard, IPv4 parser: up to four parts, the last one fills the remaining bytes.
    if len(labels) > 4 or "" in labels:
        raise BadHost(f"{host!r} is not a valid IPv4 address")
    numbers = [_ipv4_number(label) for label in labels]
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise BadHost(f"{host!r} is not a valid IPv4 address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return ipaddress.IPv4Address(value)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (empty when it carries none)."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.teredo is not None:
        return list(address.teredo)
    if address.sixtofour is not None:
        return [address.sixtofour]
    if any(address in prefix for prefix in NAT64_PREFIXES) or (address in IPV4_COMPATIBLE and int(address) > 1):
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    return []


def address_kind(address: IPAddress) -> Kind:
    """public, loopback, private (RFC 1918, ULA, shared address space 100.64/10, ...), link-local (cloud
    metadata 169.254.169.254 included), or unusable (unspecified, multicast, reserved)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner:
            kinds = [address_kind(part) for part in inner]
            for kind in ("unusable", "link-local", "private", "loopback"):
                if kind in kinds:
                    return kind  # type: ignore[return-value]
            return "public"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "unusable"
    if not address.is_global:
        return "private"
    return "public"


def resolve(host: str) -> list[IPAddress]:
    """The addresses a DNS name resolves to here (empty when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    return addresses
