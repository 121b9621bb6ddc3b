"""Parsing the POSIX shell subset the simulated containers understand.

Supported: words with single and double quotes and backslashes, `$VAR`, `${VAR}`,
`${VAR:-default}`, `$?`, `$(...)`, assignments, `;`, `&&`, `||`, `|`, newlines, comments,
and the output redirects `>`, `>>`, `2>`, `2>>`, `>&2`, `2>&1`. Input redirects and `&` are
refused as syntax errors. No loops, functions or globbing: scripts that need them belong in
a test's exec handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A word is a list of parts: ("lit", text) is taken as is, ("exp", text) has its $VARs expanded,
# ("cmd", script) is replaced by the script's output.
Part = tuple[str, str]
Word = list[Part]


class ShellSyntaxError(Exception):
    """A script the shell cannot parse; the message is dash's wording."""


@dataclass
class Redirect:
    fd: int
    op: str  # ">", ">>" or ">&" (duplicate another descriptor)
    target: Word | int | None  # None until the parser gives a file redirect the word that follows it


@dataclass
class Command:
    assignments: list[tuple[str, Word]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Step:
    """A pipeline and the connector (";", "&&" or "||") that decides whether it runs."""

    connector: str
    pipeline: list[Command]


_OPERATORS = ("&&", "||", ";", "|", "\n")


def parse(script: str) -> list[Step]:
    """Parse a script into steps, raising `ShellSyntaxError` for what dash would reject."""
    tokens = _Tokenizer(script).tokens()
    steps: list[Step] = []
    connector, pipeline, command = ";", [], Command()
    target: Redirect | None = None  # a file redirect waiting for its word
    for token in tokens:
        if target is not None:
            if not isinstance(token, list):
                raise ShellSyntaxError("redirection unexpected")
            target.target, target = token, None
        elif isinstance(token, Redirect):
            command.redirects.append(token)
            if token.target is None:
                target = token
        elif isinstance(token, list):
            name = _assignment_name(token)
            if name and not command.words:
                command.assignments.append((name, _assignment_value(token, name)))
            else:
                command.words.append(token)
        elif token == "|":
            if _empty(command):
                raise ShellSyntaxError('"|" unexpected')
            pipeline.append(command)
            command = Command()
        else:
            if _empty(command):
                # Nothing before this operator: fine for a stray ";", an error anywhere a command is required.
                if pipeline or token in ("&&", "||") or connector != ";":
                    raise ShellSyntaxError(f'"{token}" unexpected')
                continue
            pipeline.append(command)
            steps.append(Step(connector, pipeline))
            connector = token if token in ("&&", "||") else ";"
            pipeline, command = [], Command()
    if target is not None or (_empty(command) and pipeline):
        raise ShellSyntaxError("end of file unexpected")
    if not _empty(command):
        pipeline.append(command)
    if pipeline:
        steps.append(Step(connector, pipeline))
    elif connector != ";":
        raise ShellSyntaxError("end of file unexpected")
    return steps


def _empty(command: Command) -> bool:
    return not (command.words or command.assignments or command.redirects)


def _assignment_name(word: Word) -> str | None:
    if not word or word[0][0] != "exp" or "=" not in word[0][1]:
        return None
    name = word[0][1].split("=", 1)[0]
    return name if name and (name[0].isalpha() or name[0] == "_") and name.replace("_", "a").isalnum() else None


def _assignment_value(word: Word, name: str) -> Word:
    first = word[0][1][len(name) + 1 :]
    return ([("exp", first)] if first else []) + word[1:]


class _Tokenizer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[Word | Redirect | str] = []
        self.word: Word = []
        self.in_word = False

    def tokens(self) -> list[Word | Redirect | str]:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t":
                self._end_word()
                self.pos += 1
            elif char == "#" and not self.in_word:
                while self.pos < len(text) and text[self.pos] != "\n":
                    self.pos += 1
            elif char == ">":
                self._redirect()
            elif any(text.startswith(op, self.pos) for op in _OPERATORS):
                op = next(op for op in _OPERATORS if text.startswith(op, self.pos))
                self._end_word()
                self.out.append(";" if op == "\n" else op)
                self.pos += len(op)
            elif char in "<&":
                raise ShellSyntaxError(f'"{char}" is not supported by this simulated shell')
            elif char == "'":
                end = text.find("'", self.pos + 1)
                if end < 0:
                    raise ShellSyntaxError("Unterminated quoted string")
                self._add("lit", text[self.pos + 1 : end])
                self.pos = end + 1
            elif char == '"':
                self._double_quoted()
            elif char == "\\":
                if self.pos + 1 < len(text) and text[self.pos + 1] != "\n":
                    self._add("lit", text[self.pos + 1])
                self.pos += 2
            elif text.startswith("$(", self.pos):
                self._add("cmd", self._substitution())
            else:
                self._add("exp", char)
                self.pos += 1
        self._end_word()
        return self.out

    def _add(self, kind: str, text: str) -> None:
        self.in_word = True
        if self.word and self.word[-1][0] == kind and kind != "cmd":
            self.word[-1] = (kind, self.word[-1][1] + text)
        else:
            self.word.append((kind, text))

    def _end_word(self) -> None:
        if self.in_word:
            self.out.append(self.word)
        self.word, self.in_word = [], False

    def _double_quoted(self) -> None:
        text, self.pos = self.text, self.pos + 1
        self.in_word = True
        while True:
            if self.pos >= len(text):
                raise ShellSyntaxError("Unterminated quoted string")
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return
            if char == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in '"\\$`':
                self._add("lit", text[self.pos + 1])
                self.pos += 2
            elif text.startswith("$(", self.pos):
                self._add("cmd", self._substitution())
            else:
                self._add("exp", char)
                self.pos += 1

    def _substitution(self) -> str:
        depth, start, quote = 0, self.pos + 2, ""
        for index in range(self.pos + 1, len(self.text)):
            char = self.text[index]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    self.pos = index + 1
                    return self.text[start:index]
        raise ShellSyntaxError('end of file unexpected (expecting ")")')

    def _redirect(self) -> None:
        """`>`, `>>` or `>&N`, after an optional descriptor number (`2>`); a file's name is the next word."""
        fd = 1
        if self.in_word and len(self.word) == 1 and self.word[0][0] == "exp" and self.word[0][1].isdigit():
            fd, self.word, self.in_word = int(self.word[0][1]), [], False
        self._end_word()
        op = next(candidate for candidate in (">>", ">&", ">") if self.text.startswith(candidate, self.pos))
        self.pos += len(op)
        if op != ">&":
            self.out.append(Redirect(fd, op, None))
            return
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1
        if start == self.pos:
            raise ShellSyntaxError("Bad fd number")
        self.out.append(Redirect(fd, ">&", int(self.text[start : self.pos])))
