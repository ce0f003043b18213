"""Shell spellings of a command read as the command they spell. Pure; no I/O.

``spelled_command(text)`` rewrites what a shell would undo before running a line:

- variables assigned in the text and used after (``x=rm; $x -rf /``, ``a=r b=m; $a$b``,
  ``CMD="rm -rf"; $CMD /``) are replaced by their values;
- ``$IFS`` / ``${IFS}`` (the shell's field separator) becomes a space;
- expansions that are empty (``$@``, ``$*``, ``$()``, a pair of backticks) disappear;
- quotes and backslashes inside a word (``r''m``, ``"r""m"``, ``'r'm``, ``r\\m``) disappear, and
  a single word in quotes (``"rm"``) loses them.

The result is an extra reading for the command rules only (quotes matter to the injection
rules: they tell a discussed phrase from an instruction); the message is never changed.
"""

from __future__ import annotations

import re

__all__ = ["spelled_command"]

MAX_VARIABLES = 16

_ASSIGNMENT = re.compile(
    r"(?<![\w$])([A-Za-z_]\w{0,30})=(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^\s;&|'\"`()<>]*))"
)
_IFS = re.compile(r"\$\{IFS[^}\n]{0,8}\}|\$IFS(?!\w)")
_EMPTY = re.compile(r"\$@|\$\*|\$\(\s*\)|``|\$\{\s*\}")
_EMPTY_QUOTES = re.compile(r"(?<=[\w-])(?:''|\"\")+|(?:''|\"\")+(?=[\w-])")
_WORD = r"[\w./~*=:@%+-]"
_GLUED_QUOTED = re.compile(rf"(?<=[\w-])(['\"])({_WORD}*)\1|(['\"])({_WORD}*)\3(?=[\w-])")
_QUOTED_WORD = re.compile(rf"(?<![\w'\"])(['\"])({_WORD}+)\1(?![\w'\"])")
_BACKSLASH = re.compile(r"(?<=[\w-])\\(?=[\w/])|(?<![\w\\])\\(?=[a-z]\w)")
_HINT = re.compile(r"[$'\"\\=`]")


def _substitute_variables(text: str) -> str:
    values: dict[str, str] = {}
    for match in _ASSIGNMENT.finditer(text):
        name = match.group(1)
        value = next((g for g in match.groups()[1:] if g is not None), "")
        values[name] = value
        if len(values) >= MAX_VARIABLES:
            break
    if not values:
        return text
    names = "|".join(re.escape(n) for n in sorted(values, key=len, reverse=True))
    reference = re.compile(rf"\$\{{({names})\}}|\$({names})(?!\w)")
    return reference.sub(lambda m: values[m.group(1) or m.group(2)], text)


def _unglue(match: re.Match[str]) -> str:
    return match.group(2) if match.group(2) is not None else match.group(4)


def spelled_command(text: str) -> str:
    """``text`` as a shell would read its words (``text`` itself when nothing is obfuscated)."""
    if not _HINT.search(text):
        return text
    text = _substitute_variables(text)
    text = _IFS.sub(" ", text)
    text = _EMPTY.sub("", text)
    text = _EMPTY_QUOTES.sub("", text)
    text = _GLUED_QUOTED.sub(_unglue, text)
    text = _QUOTED_WORD.sub(r"\2", text)
    return _BACKSLASH.sub("", text)
