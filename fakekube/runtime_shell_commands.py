"""The programs a simulated container has, each a Python function over the virtual filesystem.

Output and error messages follow GNU coreutils and dash, which is what a Debian-based
image prints; exit codes follow them too (1 for a failed operation, 2 for bad usage).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from fakekube.runtime_fs import FileError
from fakekube.runtime_pods import container_spec
from fakekube.runtime_shell import Program, Shell
from fakekube.runtime_shell_io import StdIO

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}
_ESCAPE = re.compile(r"\\([nt\\])")
_DIRECTIVE = re.compile(r"%([-0-9]*)([sd%])")


async def _write(io: StdIO, text: str) -> None:
    await io.stdout.write(text.encode())


async def _fail(io: StdIO, text: str, code: int = 1) -> int:
    await io.stderr.write(f"{text}\n".encode())
    return code


async def echo(shell: Shell, argv: list[str], io: StdIO) -> int:
    newline = argv[1:2] != ["-n"]
    await _write(io, " ".join(argv[1 if newline else 2 :]) + ("\n" if newline else ""))
    return 0


async def printf(shell: Shell, argv: list[str], io: StdIO) -> int:
    """`%s`, `%d` (with widths), `%%`, `\\n`, `\\t`; the format is reused until the arguments run out."""
    if len(argv) < 2:
        return await _fail(io, "printf: usage: printf format [arguments]", 2)
    template = _ESCAPE.sub(lambda match: _ESCAPES[match.group(1)], argv[1])
    args = argv[2:]

    def convert(match: re.Match[str]) -> str:
        width, kind = match.groups()
        if kind == "%":
            return "%"
        value = args.pop(0) if args else ""
        return f"%{width}{kind}" % ((int(value) if value.lstrip("-").isdigit() else 0) if kind == "d" else value)

    out = [_DIRECTIVE.sub(convert, template)]
    while args and _DIRECTIVE.search(template.replace("%%", "")):
        out.append(_DIRECTIVE.sub(convert, template))
    await _write(io, "".join(out))
    return 0


async def _read_inputs(shell: Shell, name: str, paths: list[str], io: StdIO) -> tuple[list[bytes], int]:
    """The contents of the named files (stdin for none), printing errors as `name` does."""
    if not paths:
        return [await io.stdin.read()], 0
    contents, status = [], 0
    for path in paths:
        try:
            contents.append(shell.context.fs.read(shell.path(path)))
        except FileError as error:
            status = await _fail(io, f"{name}: {path}: {error}")
    return contents, status


async def cat(shell: Shell, argv: list[str], io: StdIO) -> int:
    contents, status = await _read_inputs(shell, "cat", [arg for arg in argv[1:] if arg != "-u"], io)
    for content in contents:
        await io.stdout.write(content)
    return status


async def ls(shell: Shell, argv: list[str], io: StdIO) -> int:
    flags = "".join(arg[1:] for arg in argv[1:] if arg.startswith("-"))
    targets = [arg for arg in argv[1:] if not arg.startswith("-")] or ["."]
    status, fs = 0, shell.context.fs
    for index, target in enumerate(targets):
        path = shell.path(target)
        if not fs.exists(path):
            status = await _fail(io, f"ls: cannot access '{target}': No such file or directory", 2)
            continue
        names = fs.listdir(path) if fs.is_dir(path) else [target]
        if "a" in flags and fs.is_dir(path):
            names = [".", "..", *names]
        if len(targets) > 1 and fs.is_dir(path):
            await _write(io, ("\n" if index else "") + f"{target}:\n")
        for name in names:
            await _write(io, (_long_entry(shell, path, name) if "l" in flags else name) + "\n")
    return status


def _long_entry(shell: Shell, directory: str, name: str) -> str:
    fs = shell.context.fs
    full = directory if name in (".", "..") or not fs.is_dir(directory) else f"{directory.rstrip('/')}/{name}"
    stamp = datetime.now(UTC).strftime("%b %e %H:%M")
    if fs.is_dir(full):
        return f"drwxr-xr-x    2 root root     4096 {stamp} {name}"
    return f"-rw-r--r--    1 root root {len(fs.read(full)):>8} {stamp} {name}"


async def env(shell: Shell, argv: list[str], io: StdIO) -> int:
    args = argv[1:]
    variables = dict(shell.variables)
    while args and "=" in args[0]:
        name, _, value = args.pop(0).partition("=")
        variables[name] = value
    if args:
        program = shell.find_program(args[0])
        if program is None:
            return await _fail(io, f"env: '{args[0]}': No such file or directory", 127)
        child = shell.child()
        child.variables = variables
        return await program(child, args, io)
    await _write(io, "".join(f"{name}={value}\n" for name, value in variables.items()))
    return 0


async def printenv(shell: Shell, argv: list[str], io: StdIO) -> int:
    if len(argv) == 1:
        return await env(shell, ["env"], io)
    found = [shell.variables[name] for name in argv[1:] if name in shell.variables]
    await _write(io, "".join(f"{value}\n" for value in found))
    return 0 if len(found) == len(argv) - 1 else 1


async def hostname(shell: Shell, argv: list[str], io: StdIO) -> int:
    await _write(io, shell.variables.get("HOSTNAME", shell.context.pod["metadata"]["name"]) + "\n")
    return 0


async def whoami(shell: Shell, argv: list[str], io: StdIO) -> int:
    if shell.context.uid != 0:
        return await _fail(io, f"whoami: cannot find name for user ID {shell.context.uid}")
    await _write(io, "root\n")
    return 0


async def id_(shell: Shell, argv: list[str], io: StdIO) -> int:
    uid, gid = shell.context.uid, shell.context.gid
    if uid == 0:
        await _write(io, "uid=0(root) gid=0(root) groups=0(root)\n")
    else:
        await _write(io, f"uid={uid} gid={gid} groups={gid}\n")
    return 0


async def date(shell: Shell, argv: list[str], io: StdIO) -> int:
    now = datetime.now(UTC)
    formats = [arg[1:] for arg in argv[1:] if arg.startswith("+")]
    text = now.strftime(formats[0]) if formats else now.strftime("%a %b %e %H:%M:%S UTC %Y")
    await _write(io, text + "\n")
    return 0


async def pwd(shell: Shell, argv: list[str], io: StdIO) -> int:
    await _write(io, shell.cwd + "\n")
    return 0


async def true(shell: Shell, argv: list[str], io: StdIO) -> int:
    return 0


async def false(shell: Shell, argv: list[str], io: StdIO) -> int:
    return 1


async def sleep(shell: Shell, argv: list[str], io: StdIO) -> int:
    try:
        seconds = sum(float(arg.rstrip("s")) for arg in argv[1:])
    except ValueError:
        return await _fail(io, f"sleep: invalid time interval '{argv[1]}'")
    if len(argv) < 2:
        return await _fail(io, "sleep: missing operand")
    await asyncio.sleep(min(seconds, shell.context.max_sleep))
    return 0


def _count_option(argv: list[str], default: int) -> tuple[int, list[str], bool]:
    """`-n N`, `-nN`, `-N` or `-n +N`: the count, the remaining arguments, and whether it was `+N`."""
    count, rest, plus, args = default, [], False, argv[1:]
    while args:
        arg = args.pop(0)
        value = None
        if arg == "-n" and args:
            value = args.pop(0)
        elif arg.startswith("-n"):
            value = arg[2:]
        elif re.fullmatch(r"-\d+", arg):
            value = arg[1:]
        if value is None:
            rest.append(arg)
        else:
            plus = value.startswith("+")
            count = int(value.lstrip("+-"))
    return count, rest, plus


async def head(shell: Shell, argv: list[str], io: StdIO) -> int:
    count, paths, _ = _count_option(argv, 10)
    contents, status = await _read_inputs(shell, "head", paths, io)
    for content in contents:
        end = -1
        for _ in range(count):
            end = content.find(b"\n", end + 1)
            if end < 0:
                end = len(content)
                break
        await io.stdout.write(content[: end + 1] if count else b"")
    return status


async def tail(shell: Shell, argv: list[str], io: StdIO) -> int:
    count, paths, plus = _count_option(argv, 10)
    contents, status = await _read_inputs(shell, "tail", paths, io)
    for content in contents:
        lines = content.splitlines(keepends=True)
        await io.stdout.write(
            b"".join(lines[max(count - 1, 0) :] if plus else lines[len(lines) - count :] if count else [])
        )
    return status


async def wc(shell: Shell, argv: list[str], io: StdIO) -> int:
    flags = "".join(arg[1:] for arg in argv[1:] if arg.startswith("-")) or "lwc"
    paths = [arg for arg in argv[1:] if not arg.startswith("-")]
    contents, status = await _read_inputs(shell, "wc", paths, io)
    for index, content in enumerate(contents):
        counts = {"l": content.count(b"\n"), "w": len(content.split()), "c": len(content)}
        numbers = [counts[flag] for flag in "lwc" if flag in flags]
        width = 1 if len(numbers) == 1 and not paths else 7
        name = f" {paths[index]}" if paths else ""
        await _write(io, " ".join(f"{number:>{width}}" for number in numbers) + name + "\n")
    return status


async def grep(shell: Shell, argv: list[str], io: StdIO) -> int:
    flags = "".join(arg[1:] for arg in argv[1:] if arg.startswith("-") and len(arg) > 1)
    args = [arg for arg in argv[1:] if not (arg.startswith("-") and len(arg) > 1)]
    if not args:
        return await _fail(io, "Usage: grep [OPTION]... PATTERNS [FILE]...", 2)
    try:
        pattern = re.compile(args[0] if "E" in flags else _basic_regex(args[0]), re.IGNORECASE if "i" in flags else 0)
    except re.error:
        return await _fail(io, "grep: Unmatched ( or \\(", 2)
    contents, status = await _read_inputs(shell, "grep", args[1:], io)
    matched = []
    for content in contents:
        for number, line in enumerate(content.decode(errors="replace").splitlines(), 1):
            if bool(pattern.search(line)) != ("v" in flags):
                matched.append(f"{number}:{line}" if "n" in flags else line)
    if "c" in flags:
        await _write(io, f"{len(matched)}\n")
    elif "q" not in flags:
        await _write(io, "".join(f"{line}\n" for line in matched))
    return 2 if status else (0 if matched else 1)


def _basic_regex(pattern: str) -> str:
    """A POSIX basic regular expression as a Python one: `\\|`, `\\(`, `\\)` are the operators, bare ones literal."""
    swapped = {"\\|": "|", "\\(": "(", "\\)": ")", "|": "\\|", "(": "\\(", ")": "\\)", "+": "\\+", "?": "\\?"}
    return re.sub(r"\\[|()]|[|()+?]", lambda match: swapped[match.group(0)], pattern)


async def seq(shell: Shell, argv: list[str], io: StdIO) -> int:
    try:
        numbers = [int(arg) for arg in argv[1:]]
    except ValueError:
        return await _fail(io, f"seq: invalid floating point argument: '{argv[-1]}'")
    if not 1 <= len(numbers) <= 2:
        return await _fail(io, "seq: missing operand")
    first, last = numbers if len(numbers) == 2 else (1, numbers[0])
    values = range(first, last + 1)
    for start in range(0, len(values), 10_000):
        await _write(io, "".join(f"{value}\n" for value in values[start : start + 10_000]))
        await asyncio.sleep(0)  # long outputs must not starve the session's other tasks
    return 0


async def yes(shell: Shell, argv: list[str], io: StdIO) -> int:
    """Repeat a line until whoever reads stops: the client leaves, the pipe breaks, or the session ends."""
    chunk = (" ".join(argv[1:]) or "y").encode() + b"\n"
    chunk *= max(1, 64 * 1024 // len(chunk))
    while True:
        await io.stdout.write(chunk)
        await asyncio.sleep(0)


async def uname(shell: Shell, argv: list[str], io: StdIO) -> int:
    name = shell.context.pod["metadata"]["name"]
    fields = {
        "s": "Linux",
        "n": name,
        "r": "6.1.0-18-amd64",
        "m": "x86_64",
        "o": "GNU/Linux",
        "v": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
    }
    flags = "".join(arg[1:] for arg in argv[1:] if arg.startswith("-")) or "s"
    chosen = "snrvmo" if "a" in flags else [flag for flag in "snrvmo" if flag in flags]
    await _write(io, " ".join(fields[flag] for flag in chosen) + "\n")
    return 0


async def ps(shell: Shell, argv: list[str], io: StdIO) -> int:
    spec = container_spec(shell.context.pod, shell.context.container)
    command = " ".join((spec.get("command") or []) + (spec.get("args") or [])) or spec.get("image", "").split(":")[0]
    await _write(io, f"PID   USER     TIME  COMMAND\n    1 root      0:00 {command}\n   42 root      0:00 ps\n")
    return 0


async def sh(shell: Shell, argv: list[str], io: StdIO) -> int:
    """`sh -c SCRIPT` (`-ec`, `-xc`... too: those flags change nothing the simulation shows), or a script on stdin."""
    name, args, flags = argv[0].rsplit("/", 1)[-1], argv[1:], ""
    while args and args[0].startswith("-"):
        flags += args.pop(0)[1:]
    if "c" in flags:
        if not args:
            return await _fail(io, f"{name}: -c: option requires an argument", 2)
        script = args[0]
    elif args:
        return await _fail(io, f"{name}: 0: cannot open {args[0]}: scripts in files are not simulated", 2)
    else:
        script = (await io.stdin.read()).decode(errors="replace")
    return await shell.child(name).run_script(script, io)


PROGRAMS: dict[str, Program] = {
    "echo": echo,
    "printf": printf,
    "cat": cat,
    "ls": ls,
    "env": env,
    "printenv": printenv,
    "hostname": hostname,
    "whoami": whoami,
    "id": id_,
    "date": date,
    "pwd": pwd,
    "true": true,
    "false": false,
    "sleep": sleep,
    "head": head,
    "tail": tail,
    "wc": wc,
    "grep": grep,
    "seq": seq,
    "uname": uname,
    "yes": yes,
    "ps": ps,
    "sh": sh,
    "bash": sh,
    "ash": sh,
    "dash": sh,
}
