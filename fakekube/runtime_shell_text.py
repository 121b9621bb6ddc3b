"""Backslash escapes and `printf` formats, as coreutils' `printf` and `echo -e` read them."""

from __future__ import annotations

import re

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
    '"': '"',
    "'": "'",
}
_ESCAPE = re.compile(r"\\(0[0-7]{0,3}|x[0-9a-fA-F]{1,2}|.)", re.DOTALL)
_DIRECTIVE = re.compile(r"%([-+ #0]*)(\d+|\*)?(?:\.(\d+))?([sdiouxXfeEgGcb%])")


def unescape(text: str) -> str:
    """Replace `\\n`, `\\t`, `\\0NNN`, `\\xHH`... by the characters they stand for."""

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("0"):
            return chr(int(code[1:] or "0", 8))
        if code.startswith("x"):
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, "\\" + code)

    return _ESCAPE.sub(replace, text)


def format_printf(template: str, args: list[str]) -> str:
    """`printf FORMAT ARGS...`: the format is reused until the arguments run out, as coreutils does."""
    template = unescape(template)
    consumed_any = bool(_DIRECTIVE.search(template.replace("%%", "")))
    out, remaining = [], list(args)
    while True:
        out.append(_DIRECTIVE.sub(lambda match: _convert(match, remaining), template))
        if not remaining or not consumed_any:
            return "".join(out)


def _convert(match: re.Match[str], remaining: list[str]) -> str:
    flags, width, precision, kind = match.groups()
    if kind == "%":
        return "%"
    if width == "*":
        width = remaining.pop(0) if remaining else "0"
    value = remaining.pop(0) if remaining else ""
    spec = f"%{flags}{width or ''}{'.' + precision if precision is not None else ''}"
    if kind in "sb":
        return (spec + "s") % (unescape(value) if kind == "b" else value)
    if kind == "c":
        return (spec + "s") % value[:1]
    try:
        number: float = (float(value) if kind in "feEgG" else int(value, 0)) if value else 0
    except ValueError:
        number = 0
    return (spec + ("d" if kind in "iu" else kind)) % number
