"""Literal arguments: read from the syntax tree, never evaluated.

Accepted: strings, numbers, True/False/None, a minus sign on a number, and one flat list or
tuple of those. A string must be one plain literal whose escapes do not spell printable ASCII
(``'\\x72\\x6d'`` is ``'rm'`` in disguise, ``'\\x1b'`` is a real control character).
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
import unicodedata
from typing import Any

_ESCAPE = re.compile(
    r"\\(?:(\\)|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|N\{([^}]*)\}|([0-7]{1,3})|.)",
    re.DOTALL,
)
_PREFIX = re.compile(r"^([A-Za-z]*)['\"]")

_KINDS: dict[type, str] = {
    ast.Name: "a variable",
    ast.Call: "a call",
    ast.Attribute: "an attribute",
    ast.Subscript: "an index or slice",
    ast.BinOp: "an operator (concatenation, arithmetic, formatting)",
    ast.BoolOp: "an operator",
    ast.Compare: "a comparison",
    ast.JoinedStr: "an f-string",
    ast.Lambda: "a lambda",
    ast.IfExp: "a conditional expression",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "an assignment expression",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "an await",
}


class SourceText:
    """The action source split once, so each string literal's own text is cheap to get back."""

    _LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

    def __init__(self, text: str) -> None:
        self._lines = [match.group().encode() for match in self._LINE.finditer(text)]

    def segment(self, node: ast.expr) -> str | None:
        """Like ``ast.get_source_segment`` (column offsets are UTF-8 byte offsets)."""
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None or end_line > len(self._lines):
            return None
        first = self._lines[node.lineno - 1]
        if node.lineno == end_line:
            return first[node.col_offset : end_col].decode()
        middle = self._lines[node.lineno : end_line - 1]
        last = self._lines[end_line - 1][:end_col]
        return b"".join([first[node.col_offset :], *middle, last]).decode()


class NotLiteral(ValueError):
    """An argument that is not a plain literal (or is a disguised one)."""

    def __init__(self, message: str, rule: str = "non-literal-argument") -> None:
        super().__init__(message)
        self.rule = rule


def literal_value(node: ast.expr, source: SourceText) -> Any:
    if isinstance(node, ast.List | ast.Tuple):
        return [_scalar(element, source) for element in node.elts]
    return _scalar(node, source)


def _scalar(node: ast.expr, source: SourceText) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            _check_string_source(node, source)
            return value
        if value is None or isinstance(value, bool | int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise NotLiteral("numbers must be finite")
            return value
        raise NotLiteral(f"{type(value).__name__} literals are not allowed", "obfuscated-string")
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
        and not isinstance(node.operand.value, bool)
    ):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.List | ast.Tuple):
        raise NotLiteral("nested lists are not allowed")
    kind = _KINDS.get(type(node), "an expression")
    detail = f" ({node.id})" if isinstance(node, ast.Name) else ""
    raise NotLiteral(f"arguments must be literals, not {kind}{detail}")


def _check_string_source(node: ast.Constant, source: SourceText) -> None:
    segment = source.segment(node)
    if segment is None:
        raise NotLiteral("a string literal could not be located", "obfuscated-string")
    try:
        tokens = [
            tok
            for tok in tokenize.generate_tokens(io.StringIO(segment).readline)
            if tok.type == tokenize.STRING
        ]
    except (tokenize.TokenError, SyntaxError) as error:
        raise NotLiteral("a string literal could not be read", "obfuscated-string") from error
    if len(tokens) != 1:
        raise NotLiteral(
            "strings must be one literal, not pieces joined together", "obfuscated-string"
        )
    literal = tokens[0].string
    prefix = _PREFIX.match(literal)
    if prefix and "r" in prefix.group(1).lower():
        return
    for match in _ESCAPE.finditer(literal):
        backslash, hex2, hex4, hex8, name, octal = match.groups()
        if backslash:
            continue
        char = _decode(hex2 or hex4 or hex8, name, octal)
        if char is not None and " " <= char <= "~":
            raise NotLiteral(
                f"the escape {match.group()} spells the plain character {char!r}; "
                "escapes may only stand for control characters",
                "obfuscated-string",
            )


def _decode(hex_digits: str | None, name: str | None, octal: str | None) -> str | None:
    try:
        if hex_digits:
            return chr(int(hex_digits, 16))
        if name is not None:
            return unicodedata.lookup(name)
        if octal:
            return chr(int(octal, 8))
    except (KeyError, ValueError, OverflowError):
        return None
    return None
