"""Kubernetes resource quantities (`250m`, `128Mi`, `1Gi`, `12345n`, `1e3`) and kubectl top's way of showing them.

`parse_quantity` follows the API's grammar: a signed decimal number, then a binary suffix
(Ki Mi Gi Ti Pi Ei), a decimal suffix (n u m k M G T P E) or a decimal exponent (`e3`, `E-2`).
The display helpers round up like kubectl (`MilliValue()`, `Value()`), so a tiny non-zero usage
never shows as 0 of a larger unit it does not reach.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
MEBIBYTE = 2**20


def parse_quantity(value: str | int | float) -> Decimal:
    """The quantity in base units (cores, bytes); `ValueError` naming the bad text otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value).strip()
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"not a quantity: {value!r} (expected a number with an optional suffix such as 250m or 128Mi)")
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the pattern only admits valid decimals
        raise ValueError(f"not a quantity: {value!r}") from None
    suffix = match.group("suffix") or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix[:1] in ("e", "E") and len(suffix) > 1:  # `E` alone is exa
        return number.scaleb(int(suffix[1:]))
    return number * _DECIMAL[suffix]


def millicores(value: str | int | float) -> int:
    """CPU in millicores, rounded up (`1` -> 1000, `12345n` -> 1, `0` -> 0)."""
    return math.ceil(parse_quantity(value) * 1000)


def bytes_of(value: str | int | float) -> int:
    """A memory quantity in bytes, rounded up (`128Mi` -> 134217728)."""
    return math.ceil(parse_quantity(value))


def format_millicores(value: int) -> str:
    """kubectl top's CPU column: `250m`."""
    return f"{value}m"


def format_mebibytes(value: int) -> str:
    """kubectl top's MEMORY column: whole mebibytes, `128Mi`."""
    return f"{value // MEBIBYTE}Mi"


def percent(usage: int, capacity: int) -> str:
    """Usage as a whole percentage of `capacity`, like kubectl top nodes (`<unknown>` without a capacity)."""
    if capacity <= 0:
        return "<unknown>"
    return f"{usage * 100 // capacity}%"
