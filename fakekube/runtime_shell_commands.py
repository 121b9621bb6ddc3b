"""The programs a simulated container has, each a Python function over the virtual filesystem.

Output and error messages follow GNU coreutils and dash, which is what a Debian-based
image prints; exit codes follow them too (1 for a failed operation, 2 for bad usage).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime

from fakekube.runtime_fs import FileError
from fakekube.runtime_pods import container_spec
from fakekube.runtime_shell import Program, Shell, ShellExit
from fakekube.runtime_shell_io import StdIO
from fakekube.runtime_shell_text import format_printf, unescape


async def _write(io: StdIO, text: str) -> None:
    await io.stdout.write(text.encode())


async def _fail(io: StdIO, text: str, code: int = 1) -> int:
    await io.stderr.write(f"{text}\n".encode())
    return code


async def echo(shell: Shell, argv: list[str], io: StdIO) -> int:
    args, newline, escapes = argv[1:], True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0]
        args = args[1:]
    text = " ".join(args)
    await _write(io, (unescape(text) if escapes else text) + ("\n" if newline else ""))
    return 0


async def printf(shell: Shell, argv: list[str], io: StdIO) -> int:
    if len(argv) < 2:
        return await _fail(io, "printf: usage: printf format [arguments]", 2)
    await _write(io, format_printf(argv[1], argv[2:]))
    return 0


async def _read_inputs(shell: Shell, name: str, paths: list[str], io: StdIO) -> tuple[list[bytes], int]:
    """The contents of the named files (stdin for none or "-"), printing errors as `name` does."""
    if not paths:
        return [await io.stdin.read()], 0
    contents, status = [], 0
    for path in paths:
        if path == "-":
            contents.append(await io.stdin.read())
            continue
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
    if len(numbers) == 1:
        first, step, last = 1, 1, numbers[0]
    elif len(numbers) == 2:
        first, step, last = numbers[0], 1, numbers[1]
    elif len(numbers) == 3:
        first, step, last = numbers
    else:
        return await _fail(io, "seq: missing operand")
    if step == 0:
        return await _fail(io, "seq: invalid Zero increment value: '0'")
    values = range(first, last + (1 if step > 0 else -1), step)
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


async def test(shell: Shell, argv: list[str], io: StdIO) -> int:
    args = argv[1:-1] if argv[0] == "[" and argv[-1:] == ["]"] else argv[1:]
    fs = shell.context.fs
    negate = bool(args) and args[0] == "!"
    args = args[1:] if negate else args
    unary: dict[str, Callable[[str], bool]] = {
        "-e": lambda a: fs.exists(shell.path(a)),
        "-f": lambda a: fs.exists(shell.path(a)) and not fs.is_dir(shell.path(a)),
        "-d": lambda a: fs.is_dir(shell.path(a)),
        "-n": bool,
        "-z": lambda a: not a,
    }
    numeric = {
        "-eq": int.__eq__,
        "-ne": int.__ne__,
        "-gt": int.__gt__,
        "-ge": int.__ge__,
        "-lt": int.__lt__,
        "-le": int.__le__,
    }
    if len(args) == 1:
        result = bool(args[0])
    elif len(args) == 2 and args[0] in unary:
        result = bool(unary[args[0]](args[1]))
    elif len(args) == 3 and args[1] in ("=", "==", "!="):
        result = (args[0] == args[2]) != (args[1] == "!=")
    elif len(args) == 3 and args[1] in numeric:
        try:
            result = numeric[args[1]](int(args[0]), int(args[2]))
        except ValueError:
            return await _fail(io, f"{argv[0]}: {args[0]}: integer expression expected", 2)
    else:
        result = False
    return 0 if result != negate else 1


async def ps(shell: Shell, argv: list[str], io: StdIO) -> int:
    spec = container_spec(shell.context.pod, shell.context.container)
    command = " ".join((spec.get("command") or []) + (spec.get("args") or [])) or spec.get("image", "").split(":")[0]
    await _write(io, f"PID   USER     TIME  COMMAND\n    1 root      0:00 {command}\n   42 root      0:00 ps\n")
    return 0


async def touch(shell: Shell, argv: list[str], io: StdIO) -> int:
    status = 0
    for path in argv[1:]:
        try:
            shell.context.fs.write(shell.path(path), b"", append=True)
        except FileError as error:
            status = await _fail(io, f"touch: cannot touch '{path}': {error}")
    return status


async def rm(shell: Shell, argv: list[str], io: StdIO) -> int:
    status = 0
    for path in [arg for arg in argv[1:] if not arg.startswith("-")]:
        try:
            shell.context.fs.remove(shell.path(path))
        except FileError as error:
            if "f" not in "".join(arg for arg in argv[1:] if arg.startswith("-")):
                status = await _fail(io, f"rm: cannot remove '{path}': {error}")
    return status


async def sh(shell: Shell, argv: list[str], io: StdIO) -> int:
    name = argv[0].rsplit("/", 1)[-1]
    args = argv[1:]
    while args and args[0].startswith("-") and args[0] != "-c" and "c" not in args[0][1:]:
        args = args[1:]  # -e, -x, -u... change nothing the simulation can show
    if args and args[0].startswith("-"):
        if len(args) < 2:
            return await _fail(io, f"{name}: -c: option requires an argument", 2)
        script, positional = args[1], args[2:]
        child = shell.child(positional[0] if positional else name, positional[1:])
    elif args:
        try:
            script = shell.context.fs.read(shell.path(args[0])).decode(errors="replace")
        except FileError:
            return await _fail(io, f"{name}: 0: cannot open {args[0]}: No such file", 2)
        child = shell.child(args[0], args[1:])
    else:
        script = (await io.stdin.read()).decode(errors="replace")
        child = shell.child(name, [])
    try:
        return await child.run_script(script, io)
    except ShellExit as done:
        return done.code


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
    "test": test,
    "[": test,
    "ps": ps,
    "touch": touch,
    "rm": rm,
    "sh": sh,
    "bash": sh,
    "ash": sh,
    "dash": sh,
}
