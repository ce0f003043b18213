"""Destructive commands beyond ``rm``: the rules that catch the other ways to say "delete it all".

Same shape and same line as :mod:`._rules` (blocked only when asked for, a question about
them passes):

- ``find`` over the root, a system folder or home with ``-delete`` or ``-exec rm``;
- Python's ``shutil.rmtree`` of the root, a system folder or home, ``os.remove`` of system files;
- ``shred`` of system files;
- SQL that throws a whole database, schema or table away (``DROP DATABASE``, ``DROP TABLE``,
  ``TRUNCATE``): written in capitals, ended by ``;`` as a statement is, or given as an order
  ("please drop database sales"); lower-case prose such as "drop table tennis" is not SQL.
  Asking to *write* SQL is not asking to run it;
- text decoded and piped straight into a shell (``echo … | base64 -d | sh``, ``bash -c "$(…
  base64 -d)"``, ``xxd -r -p | sh``): whatever it hides runs unseen.
"""

from __future__ import annotations

import re

from ._rules import _RM_REASON, _ROOTISH, InputRule, _rx

_SYSTEM_REASON = "it asks to delete operating-system files (e.g. System32)"
_SYSTEM_PATH = r"/(?:etc|boot|bin|sbin|usr|lib\w*|var|root|System|Windows)\b"
_SHELL = r"(?:sudo\s+)?(?:/(?:usr/)?bin/)?(?:ba|z|da|k|fi|tc|c)?sh\b"
_HOME_CALL = re.compile(
    r"os\.path\.expanduser\(\s*r?[\"']~/?[\"']\s*\)|(?:pathlib\.)?Path\.home\(\s*\)"
    r"|os\.environ\[\s*[\"']HOME[\"']\s*\]|os\.(?:environ\.get|getenv)\(\s*[\"']HOME[\"']\s*\)"
)
_AUTHORING = re.compile(
    r"\b(?:write|writing|generate|draft|compose|show\s+me|give\s+me|examples?|homework|"
    r"exercises?|assignments?|exam|quiz|tutorial|lesson|course|migration|syntax)\b",
    re.IGNORECASE,
)
_EXECUTING = re.compile(
    r"\b(?:run|execute|exec|apply|perform|issue|fire|launch)\b|\bon\s+(?:the\s+)?(?:live|prod)",
    re.IGNORECASE,
)


def _rootish_target(match: re.Match[str]) -> tuple[int, int] | None:
    target = match.group("t")
    if _HOME_CALL.fullmatch(target) or _ROOTISH.match(target.strip("\"'")):
        return match.span()
    return None


def _sql_statement(match: re.Match[str]) -> tuple[int, int] | None:
    """Not a hit when the message asks for SQL to be written or taught, unless also to run it."""
    text = match.string
    if _AUTHORING.search(text) and not _EXECUTING.search(text):
        return None
    return match.span("order") if match.groupdict().get("order") else match.span()


SHELL_RULES: tuple[InputRule, ...] = (
    InputRule(
        "command.recursive_delete",
        "command",
        _RM_REASON,
        _rx(
            r"\bfind\s+(?P<t>\S+)(?:\s+[^\n;&|]{0,160}?)?\s-delete\b",
            r"\bfind\s+(?P<t>\S+)[^\n;&|]{0,160}?\s-exec(?:dir)?\s+(?:sudo\s+)?(?:rm|shred|unlink)\b",
        ),
        span=_rootish_target,
        needles=("-delete", "-exec"),
    ),
    InputRule(
        "command.recursive_delete",
        "command",
        _RM_REASON,
        _rx(
            r"\brmtree\(\s*(?:(?:pathlib\.)?Path\(\s*)?(?P<t>"
            + _HOME_CALL.pattern
            + r"|r?[\"']?[^\"'),\s]+[\"']?)",
        ),
        span=_rootish_target,
        needles=("rmtree",),
    ),
    InputRule(
        "command.system_files",
        "command",
        _SYSTEM_REASON,
        _rx(
            rf"\bshred\b[^\n;&|]{{0,160}}?\s[\"']?{_SYSTEM_PATH}",
            rf"\bos\.(?:remove|unlink|rmdir|removedirs)\(\s*r?[\"']{_SYSTEM_PATH}",
        ),
        needles=("shred", "os."),
    ),
    InputRule(
        "command.database_drop",
        "command",
        "it asks to throw away a whole database, schema or table (DROP / TRUNCATE)",
        _rx(
            r"\bDROP\s+(?:DATABASE|SCHEMA|TABLE)\s+(?:IF\s+EXISTS\s+)?[\w.`\"\[\]]+"
            r"|\bTRUNCATE\s+(?:TABLE\s+)?[\w.`\"\[\]]+\s*(?:;|$|CASCADE\b)"
            r"|\bTRUNCATE\s+TABLE\s+[\w.`\"\[\]]+",
            flags=0,
        )
        + _rx(
            r"\bdrop\s+(?:database|schema|table)\s+(?:if\s+exists\s+)?[\w.`\"\[\]]+\s*"
            r"(?:cascade\s*)?;"
            r"|\btruncate\s+(?:table\s+)?[\w.`\"\[\]]+\s*;",
            # In lower case without the ";", only as an order: "please drop database sales"
            r"(?:^|[.!?:;]\s+|\b(?:please|pls|now|just|then|and|go\s+ahead\s+and)\s+)"
            r"(?P<order>drop\s+(?:database|schema)\s+(?:if\s+exists\s+)?[\w.`\"\[\]]+)",
        ),
        span=_sql_statement,
        needles=("drop", "truncate"),
    ),
    InputRule(
        "command.decode_and_run",
        "command",
        "it pipes decoded, hidden text straight into a shell (e.g. echo … | base64 -d | sh)",
        _rx(
            rf"\b(?:base64|b64)\s+(?:-\w*d\w*|-D|--decode)\b[^\n;]{{0,60}}?\|\s*{_SHELL}",
            rf"\bxxd\s+-r\b[^\n;]{{0,60}}?\|\s*{_SHELL}",
            r"\b(?:(?:ba|z|da|k)?sh\s+-c|eval)\s+[\"']?\$\([^\n]{0,400}?\b(?:base64|b64)\s+"
            r"(?:-\w*d\w*|-D|--decode)\b",
            rf"\|\s*rev\s*\|\s*{_SHELL}",
        ),
        needles=("base64", "b64", "xxd", "rev"),
    ),
)
