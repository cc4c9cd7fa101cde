"""One regular-expression dialect for ``regex()``, the same on the phone and the server.

Why: Python's ``re`` and the browser's ``RegExp`` disagree on much of what a form author
may write (``\\s`` and a non-breaking space, ``$`` before a final newline, ``(?i)``, ``\\Z``,
``a{,2}``, named groups, ``.`` on an emoji): a record the phone accepts could then be
quarantined by the server. So a pattern is read once, here, and rewritten for each engine
into what both mean the same way; anything outside that shared subset is refused when the
form is published, with a message saying what to write instead.

The dialect: literal characters; ``.`` (any character but a line break, an emoji counting
as one); ``\\d \\w \\b`` and their capitals (ASCII); ``\\s``/``\\S`` (ASCII whitespace);
``\\t \\n \\r \\f \\v \\xHH \\uHHHH``; escaped punctuation; classes ``[a-z]``, ``[^...]``;
groups ``( )``, ``(?: )``, ``(?= )``, ``(?! )``; back-references ``\\1``-``\\9``;
``| * + ? {n} {n,} {n,m}`` and their lazy forms; ``^`` and ``$`` (the very start and end).
``static/js/regex-dialect.js`` is the twin; ``tests/data/expression_vectors.json`` holds the
cases both must agree on.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .expr_parser import ExpressionError

__all__ = ["RegexRefused", "compile_pattern", "translate"]

ANY = "[^\\n\\r\\u2028\\u2029]"
SPACE = "\\t\\n\\x0b\\x0c\\r "
SYNTAX = set("^$\\.*+?()[]{}|/")
SIMPLE_ESCAPES = set("dDwWbBtnrfv")
_QUANT = re.compile(r"\{(\d+)(,(\d*))?\}")


class RegexRefused(ExpressionError):
    """A pattern outside the dialect both evaluators share; the message says why."""


def _refuse(pattern: str, at: int, why: str) -> RegexRefused:
    return RegexRefused(f"The pattern {pattern!r} cannot be used (at character {at + 1}): {why}")


def translate(pattern: str, target: str) -> str:
    """The pattern for ``target`` ('python' or 'js'); raise :class:`RegexRefused`."""
    out: list[str] = []
    i, n = 0, len(pattern)
    depth = 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            piece, i = _escape(pattern, i, in_class=False)
            out.append(piece)
            continue
        if c == "[":
            piece, i = _klass(pattern, i)
            out.append(piece)
            continue
        if c == "(":
            if pattern.startswith("(?", i):
                if pattern[i : i + 3] not in ("(?:", "(?=", "(?!"):
                    raise _refuse(pattern, i, "only (?: ), (?= ) and (?! ) groups work in both engines")
                out.append(pattern[i : i + 3])
                i += 3
            else:
                out.append("(")
                i += 1
            depth += 1
            continue
        if c == ")":
            if depth == 0:
                raise _refuse(pattern, i, "a ')' closes no group")
            depth -= 1
            out.append(")")
            i += 1
            continue
        if c == "{":
            m = _QUANT.match(pattern, i)
            if m is None or not out:
                raise _refuse(pattern, i, "write \\{ for a brace; a count is {n}, {n,} or {n,m}")
            out.append(m.group(0))
            i = m.end()
            continue
        if c in "}]":
            raise _refuse(pattern, i, f"write \\{c} for this character")
        if c == ".":
            out.append(ANY)
        elif c == "$":
            out.append("\\Z" if target == "python" else "$")
        else:
            out.append(c)
        i += 1
    if depth:
        raise _refuse(pattern, n - 1, "a '(' is never closed")
    return "".join(out)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    if i + 1 >= len(pattern):
        raise _refuse(pattern, i, "the pattern ends with a lone backslash")
    c = pattern[i + 1]
    if c in ("s", "S"):
        if in_class:
            if c == "S":
                raise _refuse(pattern, i, "\\S inside [ ] is not the same in both engines")
            return SPACE, i + 2
        return (f"[{SPACE}]" if c == "s" else f"[^{SPACE}]"), i + 2
    if c in SIMPLE_ESCAPES:
        if in_class and c in "bB":
            raise _refuse(pattern, i, "\\b inside [ ] is not the same in both engines")
        return "\\" + c, i + 2
    if c in "123456789" and not in_class:
        return "\\" + c, i + 2
    if c == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", pattern[i + 2 : i + 4]):
        return pattern[i : i + 4], i + 4
    if c == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", pattern[i + 2 : i + 6]):
        return pattern[i : i + 6], i + 6
    if c in SYNTAX or (in_class and c == "-"):
        return "\\" + c, i + 2
    raise _refuse(pattern, i, f"\\{c} does not mean the same in both engines (or anything)")


def _klass(pattern: str, start: int) -> tuple[str, int]:
    i = start + 1
    out = ["["]
    if i < len(pattern) and pattern[i] == "^":
        out.append("^")
        i += 1
    first = True
    while i < len(pattern):
        c = pattern[i]
        if c == "]":
            if first:
                raise _refuse(pattern, i, "an empty [ ] matches nothing; write \\] for the character")
            out.append("]")
            return "".join(out), i + 1
        if c == "\\":
            piece, i = _escape(pattern, i, in_class=True)
            out.append(piece)
        elif c == "[" or pattern.startswith(("&&", "--", "||", "~~"), i):
            raise _refuse(pattern, i, f"write \\{c} inside [ ]")
        else:
            out.append(c)
            i += 1
        first = False
    raise _refuse(pattern, start, "a '[' is never closed")


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The compiled Python regex for a dialect pattern, or None if it is refused."""
    try:
        return re.compile(translate(pattern, "python"), re.ASCII)
    except (RegexRefused, re.error):
        return None


def check(pattern: str) -> None:
    """Raise :class:`RegexRefused` unless the pattern is in the dialect and compiles."""
    translated = translate(pattern, "python")
    try:
        re.compile(translated, re.ASCII)
    except re.error as exc:
        raise RegexRefused(f"The pattern {pattern!r} is not a valid regular expression ({exc})") from None
