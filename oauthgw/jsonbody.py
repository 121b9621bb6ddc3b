"""JSON request bodies with bounds on size and nesting, checked before the parser sees them.

`json.loads` recurses once per nesting level: `[[[[...` a few thousand deep raises RecursionError
(a 500), not ValueError. The depth is counted by a flat scan first, so a hostile body costs one pass.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 64 * 1024
MAX_DEPTH = 16


class BadBody(ValueError):
    """The body is not JSON within the bounds; the message says why."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets inside strings ignored)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse(body: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `body`, or BadBody when it is too big, too deep, not UTF-8 or not JSON."""
    if len(body) > max_bytes:
        raise BadBody(f"the body must be at most {max_bytes} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("the body must be UTF-8 JSON") from None
    if nesting_depth(text) > max_depth:
        raise BadBody(f"the body must not nest arrays and objects more than {max_depth} deep")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise BadBody("the body must be valid JSON") from None
