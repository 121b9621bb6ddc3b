"""Kubernetes name rules (DNS-1123), checked before a name reaches the API server or the database."""

from __future__ import annotations

import re

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_namespace_name(name: str) -> bool:
    """True for a valid namespace name: a DNS-1123 label of at most 63 characters."""
    return len(name) <= 63 and bool(_DNS1123_LABEL.fullmatch(name))


def is_object_name(name: str) -> bool:
    """True for a valid object name of most kinds: a DNS-1123 subdomain of at most 253 characters."""
    return len(name) <= 253 and bool(_DNS1123_SUBDOMAIN.fullmatch(name))
