"""Parser for the XLSForm expression language: source text -> JSON syntax tree.

The server parses every ``relevant``/``constraint``/``calculation``/... expression once,
when a survey is published, and stores the tree in the definition. Both evaluators (Python
in :mod:`survey_app.engine.expr_eval`, JavaScript in ``static/js/expressions.js``) walk that
same tree, so the phone never needs a parser and the two sides cannot disagree about syntax.
The node shapes are documented in :mod:`survey_app.engine.expressions`.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FUNCTIONS", "ExpressionError", "parse", "references"]

#: Function name -> (minimum, maximum) number of arguments; ``None`` means unbounded.
#: Checked at parse time so that a typo in a published form fails on publish, not in the field.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "selected-at": (2, 2),
    "jr:choice-name": (2, 2),
    "string-length": (0, 1),
    "concat": (1, None),
    "if": (3, 3),
    "regex": (2, 2),
    "coalesce": (2, None),
    "today": (0, 0),
    "now": (0, 0),
    "int": (1, 1),
    "number": (0, 1),
    "round": (1, 2),
    "position": (0, 0),
    "count": (1, 1),
    "sum": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "string": (0, 1),
    "boolean": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "not": (1, 1),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "abs": (1, 1),
    "decimal-date-time": (1, 1),
    # the rest of the ODK XForms spec (survey_app/engine/expr_functions.py)
    "pow": (2, 2),
    "log": (1, 1),
    "log10": (1, 1),
    "exp": (1, 1),
    "exp10": (1, 1),
    "sqrt": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "asin": (1, 1),
    "acos": (1, 1),
    "atan": (1, 1),
    "atan2": (2, 2),
    "pi": (0, 0),
    "random": (0, 0),
    "substr": (2, 3),
    "substring": (2, 3),
    "substring-before": (2, 2),
    "substring-after": (2, 2),
    "translate": (3, 3),
    "normalize-space": (0, 1),
    "join": (1, None),
    "boolean-from-string": (1, 1),
    "uuid": (0, 1),
    "digest": (2, 3),
    "base64-decode": (1, 1),
    "checklist": (2, None),
    "weighted-checklist": (2, None),
    "count-non-empty": (1, 1),
    "randomize": (1, 2),
    "area": (1, 1),
    "distance": (1, None),
    "date": (1, 1),
    "date-time": (1, 1),
    "decimal-time": (1, 1),
    "format-date": (2, 2),
    "format-date-time": (2, 2),
    "indexed-repeat": (3, 7),
    "pulldata": (4, 4),
    "current": (0, 0),
    "once": (1, 1),
    "instance": (1, 1),
}

#: Functions whose argument is a node-set (a question or repeat), not a value: it must be a
#: ``${name}`` reference so the evaluator can look up every repeat instance.
_NODESET_FUNCTIONS = frozenset({"count", "sum", "count-non-empty"})

#: Deepest nesting accepted; keeps both recursive evaluators far from their stack limits.
MAX_DEPTH = 64

#: A question name as XLSForm allows it (an XML name: letters, digits, _ . and -).
_NAME = r"[^\W\d][\w.\-]*"
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<ref>\$\{)
  | (?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
  | (?P<dotdot>\.\.)
  | (?P<dot>\.)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,|/|\[|\])
  | (?P<name>[A-Za-z_][A-Za-z0-9_-]*(?::[A-Za-z_][A-Za-z0-9_-]*)?)
    """,
    re.VERBOSE,
)
_REF_RE = re.compile(r"\$\{(" + _NAME + r")\}")
_QUOTED_REF_RE = re.compile(r"\s*\$\{(" + _NAME + r")\}\s*")
_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})


class ExpressionError(ValueError):
    """A syntax error or unknown function, with the 0-based ``position`` it was found at.

    A ValueError subclass so form-import code can catch one exception type for every kind of
    bad input; the message names the position because authors fix forms in a spreadsheet.
    """

    def __init__(self, message: str, source: str | None = None, position: int | None = None):
        if source is not None and position is not None:
            message = f"{message} at position {position + 1} in {source!r}"
        super().__init__(message)
        self.source = source
        self.position = position
        self.bare_name: str | None = None  # set for a name that is neither ${name} nor a call


class _Token:
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind: str, value: str, pos: int):
        self.kind = kind
        self.value = value
        self.pos = pos


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN_RE.match(source, pos)
        if m is None:
            if source[pos] in "'\"":
                raise ExpressionError("Unterminated string", source, pos)
            raise ExpressionError(f"Unexpected character {source[pos]!r}", source, pos)
        kind = m.lastgroup or ""
        if kind == "ref":
            ref = _REF_RE.match(source, pos)
            if ref is None:
                raise ExpressionError("Malformed reference (expected ${question_name})", source, pos)
            tokens.append(_Token("ref", ref.group(1), pos))
            pos = ref.end()
            continue
        if kind != "ws":
            tokens.append(_Token(kind, m.group(0), pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


class _Parser:
    """Recursive descent with XPath 1.0 precedence, loosest first: ``or``, ``and``,
    ``= !=``, ``< <= > >=``, ``+ -``, ``* div mod``, unary ``-``; all left-associative."""

    def __init__(self, source: str, allow_columns: bool):
        self.source = source
        self.allow_columns = allow_columns
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0

    # -- helpers -----------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Token) -> ExpressionError:
        return ExpressionError(message, self.source, tok.pos)

    def describe(self, tok: _Token) -> str:
        return "end of expression" if tok.kind == "end" else repr(tok.value)

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        if tok.kind == "op":
            return tok.value in values
        # Only called right after a complete operand, where XPath reads and/or/div/mod as
        # operators even when "(" follows: "${a} and (${b} or ${c})".
        return tok.kind == "name" and tok.value in values and tok.value in _WORD_OPERATORS

    def expect(self, value: str) -> _Token:
        tok = self.next()
        if tok.kind != "op" or tok.value != value:
            raise self.error(f"Expected {value!r} but found {self.describe(tok)}", tok)
        return tok

    # -- grammar -----------------------------------------------------------------------------
    def parse(self) -> dict[str, Any]:
        if self.peek().kind == "end":
            raise self.error("Empty expression", self.peek())
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(f"Unexpected {self.describe(tok)}", tok)
        return node

    def expr(self) -> dict[str, Any]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"Expression nested deeper than {MAX_DEPTH} levels", self.peek())
        try:
            return self.binary(0)
        finally:
            self.depth -= 1

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("or",),
        ("and",),
        ("=", "!="),
        ("<", "<=", ">", ">="),
        ("+", "-"),
        ("*", "div", "mod"),
    )

    def binary(self, level: int) -> dict[str, Any]:
        if level == len(self._LEVELS):
            return self.unary()
        ops = self._LEVELS[level]
        left = self.binary(level + 1)
        while self.is_op(*ops):
            op = self.next().value
            right = self.binary(level + 1)
            left = {"op": op, "args": [left, right]}
        return left

    def unary(self) -> dict[str, Any]:
        if self.is_op("-"):
            self.next()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"Expression nested deeper than {MAX_DEPTH} levels", self.peek())
            try:
                return {"op": "neg", "args": [self.unary()]}
            finally:
                self.depth -= 1
        return self.primary()

    def primary(self) -> dict[str, Any]:
        tok = self.next()
        if tok.kind == "num":
            value = float(tok.value) if "." in tok.value else int(tok.value)
            return {"num": value}
        if tok.kind == "str":
            return {"str": tok.value[1:-1]}
        if tok.kind == "ref":
            return self.steps({"ref": tok.value}, tok)
        if tok.kind == "op" and tok.value == "/":
            return self.absolute(tok)
        if tok.kind == "dotdot":
            return self.relative(tok)
        if tok.kind == "dot":
            if self.is_path("/"):
                return self.relative(tok)
            return {"self": True}
        if tok.kind == "op" and tok.value == "(":
            node = self.expr()
            self.expect(")")
            return node
        if tok.kind == "name":
            nxt = self.peek()
            if nxt.kind == "op" and nxt.value == "(":
                return self.call(tok)
            if tok.value in _WORD_OPERATORS:
                raise self.error(f"Operator {tok.value!r} is missing its left operand", tok)
            if self.allow_columns and ":" not in tok.value:
                return {"col": tok.value}
            error = self.error(
                f"Unknown name {tok.value!r} (write ${{{tok.value}}} to refer to a question)",
                tok,
            )
            error.bare_name = tok.value
            raise error
        if tok.kind == "end":
            raise self.error("Unexpected end of expression", tok)
        raise self.error(f"Unexpected {self.describe(tok)}", tok)

    # -- paths -------------------------------------------------------------------------------
    # The paths real forms write, each read as a question reference: /data/group/q and
    # ../q (the last step names the question), ${rep}[n]/q and /data/rep[position()=n]/q
    # (indexed-repeat), current()/../q, and instance('list')/root/item[filter]/field.

    def is_path(self, value: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value == value

    def step_name(self) -> str:
        tok = self.next()
        if tok.kind in ("name", "dotdot", "dot"):
            return tok.value
        raise self.error(f"Expected a name in the path but found {self.describe(tok)}", tok)

    def predicate(self) -> dict[str, Any]:
        self.expect("[")
        node = self.expr()
        self.expect("]")
        if node.get("op") == "=" and node["args"][0].get("fn") == "position":
            return node["args"][1]
        return node

    def path_steps(self, first: str | None) -> list[tuple[str, dict | None]]:
        steps: list[tuple[str, dict | None]] = []
        if first is not None:
            steps.append((first, self.predicate() if self.is_path("[") else None))
        while self.is_path("/"):
            self.next()
            name = self.step_name()
            steps.append((name, self.predicate() if self.is_path("[") else None))
        return steps

    def from_steps(self, steps: list[tuple[str, dict | None]], tok: _Token) -> dict[str, Any]:
        names = [(n, p) for n, p in steps if n not in ("..", ".")]
        if not names or names[-1][1] is not None:
            raise self.error("A path must end with a question's name", tok)
        target = names[-1][0]
        indexed = [(n, p) for n, p in names[:-1] if p is not None]
        if not indexed:
            return {"ref": target}
        args: list[dict[str, Any]] = [{"ref": target}]
        for name, index in indexed:
            args += [{"ref": name}, index]
        return {"fn": "indexed-repeat", "args": args}

    def absolute(self, tok: _Token) -> dict[str, Any]:
        name = self.step_name()
        steps = self.path_steps(name)
        return self.from_steps(steps[1:] if len(steps) > 1 else steps, tok)

    def relative(self, tok: _Token) -> dict[str, Any]:
        steps = self.path_steps(tok.value)
        if len(steps) == 1:
            raise self.error("'..' is only supported in a path such as ../name or position(..)", tok)
        return self.from_steps(steps, tok)

    def steps(self, node: dict[str, Any], tok: _Token) -> dict[str, Any]:
        """${rep}[n]/q and ${group}/q after a reference."""
        if not (self.is_path("[") or self.is_path("/")):
            return node
        steps = self.path_steps(node["ref"])
        return self.from_steps(steps, tok)

    def instance_path(self, name_tok: _Token, args: list[dict[str, Any]]) -> dict[str, Any]:
        """instance('list')/root/item[filter]/field -> a lookup in a form attachment."""
        if "str" not in args[0]:
            raise self.error("instance() needs the attachment's name in quotes", name_tok)
        node: dict[str, Any] = {"lookup": args[0]["str"]}
        for expected in ("root", "item"):
            if not self.is_path("/"):
                raise self.error("Write instance('name')/root/item[...]/field", name_tok)
            self.next()
            if self.step_name() != expected:
                raise self.error("Write instance('name')/root/item[...]/field", name_tok)
        if self.is_path("["):
            columns, self.allow_columns = self.allow_columns, True
            try:
                self.expect("[")
                node["where"] = self.expr()
                self.expect("]")
            finally:
                self.allow_columns = columns
        if self.is_path("/"):
            self.next()
            node["field"] = self.step_name()
        return node

    def call(self, name_tok: _Token) -> dict[str, Any]:
        name = name_tok.value
        if name not in FUNCTIONS:
            raise self.error(f"Unknown function {name!r}", name_tok)
        self.expect("(")
        args: list[dict[str, Any]] = []
        if name == "position" and self.peek().kind == "dotdot":
            self.next()  # position(..): the only path XLSForms use; it means "this instance".
        elif not (self.peek().kind == "op" and self.peek().value == ")"):
            while True:
                args.append(self.expr())
                if self.peek().kind == "op" and self.peek().value == ",":
                    self.next()
                    continue
                break
        close = self.peek()
        if close.kind != "op" or close.value != ")":
            raise self.error(
                f"Expected ',' or ')' in call to {name}() but found {self.describe(close)}",
                close,
            )
        self.next()
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            if high is None:
                wanted = f"at least {low}"
            elif low == high:
                wanted = str(low)
            else:
                wanted = f"{low} to {high}"
            raise self.error(
                f"{name}() takes {wanted} argument{'s' if wanted != '1' else ''}, got {len(args)}",
                name_tok,
            )
        if name == "instance":
            return self.instance_path(name_tok, args)
        if name == "current" and self.is_path("/"):
            return self.from_steps(self.path_steps(None), name_tok)
        if name == "count" and "lookup" in args[0]:
            return {**args[0], "count": True}
        if name in _NODESET_FUNCTIONS and "ref" not in args[0]:
            raise self.error(f"{name}() needs a ${{name}} reference as its argument", name_tok)
        if name == "jr:choice-name":
            args[1] = self._choice_name_target(args[1], name_tok)
        if name == "regex" and "str" in args[1]:
            from .regex_dialect import RegexRefused, check  # imports this module

            try:
                check(args[1]["str"])
            except RegexRefused as exc:
                raise self.error(str(exc), name_tok) from None
        return {"fn": name, "args": args}

    def _choice_name_target(self, arg: dict[str, Any], name_tok: _Token) -> dict[str, Any]:
        """jr:choice-name's 2nd argument names a question: '${q}' (XLSForm), 'q' or ${q}.

        It becomes a ``ref`` node so :func:`references` sees it; the evaluators use the name,
        not the value, of that reference.
        """
        if "ref" in arg:
            return arg
        if "str" in arg:
            m = _QUOTED_REF_RE.fullmatch(arg["str"])
            if m:
                return {"ref": m.group(1)}
            if re.fullmatch(_NAME, arg["str"]):
                return {"ref": arg["str"]}
        raise self.error("jr:choice-name() needs the question as its second argument, e.g. '${q}'", name_tok)


def parse(source: str, *, allow_columns: bool = False) -> dict[str, Any]:
    """Parse XLSForm expression text into a JSON-serialisable syntax tree.

    ``allow_columns=True`` is for ``choice_filter``, where bare names (``district``) are
    columns of the choice being filtered; everywhere else a bare name is almost always a
    forgotten ``${...}`` and is rejected.
    Raises :class:`ExpressionError` (naming the position) on bad syntax, an unknown function
    or a wrong number of arguments.
    """
    if not isinstance(source, str):
        raise ExpressionError(f"Expression must be a string, not {type(source).__name__}")
    return _Parser(source, allow_columns).parse()


def references(ast: dict[str, Any]) -> set[str]:
    """Names of the questions (and repeats) an expression reads.

    The form runtime recomputes an expression only when one of these answers changes, and
    publishing checks that each name exists. ``.`` and choice columns are not included.
    """
    found: set[str] = set()
    stack = [ast]
    while stack:
        node = stack.pop()
        if "ref" in node:
            found.add(node["ref"])
        stack.extend(node.get("args", ()))
        if "where" in node:
            stack.append(node["where"])
    return found
