"""What an action may not type either: commands that show or send secrets.

Printing a private key, cloud credentials, a browser's saved logins, a password store, the
environment or the shell history on a screen the agent reads -- or copying them elsewhere -- leaks
them as surely as deleting files destroys them. The rules are data (``data/secrets.yaml``):

* a *secret path* (``~/.ssh/id_rsa``, ``%USERPROFILE%\\.aws\\credentials``, ``/proc/1/environ`` ...)
  in a part of a command line whose command shows, copies, encodes, archives or sends files
  (``cat``, ``less``, ``xxd``, ``cp``, ``tar``, ``curl -F``, ``type``, ``Get-Content`` ...), or
  after ``<``, ``@`` or ``file://``; ``ssh -i``, ``ssh-add``, ``chmod`` and ``ls`` use or list keys
  without revealing them and stay allowed, and so does prose that only names such a path;
* a *secret command* that prints secrets without naming a file (``env``, ``printenv``,
  ``Get-ChildItem env:``, ``history``, ``pass show``, ``cmdkey /list``, ``gcloud auth
  print-access-token`` ...).

The line is read the ways a shell would read it (quotes and escapes undone, ``${IFS}``, base64
tokens decoded in place; for Windows, ``^`` and backtick escapes undone and ``\\`` as ``/``), the
home directory however it is spelt, ``..`` and ``//`` resolved, ``cd`` followed across parts, and
globs tried against known secret paths.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from ._text import decoded_in_place, decoded_tokens, normalize_text, shell_view

_RULE = "secret-access"
# Parts of a command line, each with its own command word; a line is split twice, once with
# `$(...)` as a part of its own and once as part of the command around it (`cat $(echo ...)`).
# Backticks do not split: in typed prose they are markdown far more often than substitution.
_PARTS = re.compile(r"\|\||&&|[;|&\n]|\$\(")
_OUTER_PARTS = re.compile(r"\|\||&&|[;|&\n]")
# What may stand before the command word and run it: sudo, env, xargs, a prompt, cmd /c ...
_WRAPPERS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^[\s({!`]+",
        r"^(?:\$|#|>|%|>>>|ps>|ps [^>\n]{0,200}>)\s+",
        r"^(?:sudo|doas|pkexec|nohup|exec|command|builtin|time|then|do|else|watch|nice|stdbuf"
        r"|unbuffer|xargs)\b(?:\s+-\S+)*\s+(?=\S)",
        r"^env(?:\s+-[^\s0]\S*)*(?:\s+\w+=\S*)*\s+(?=[\w./~][^\s=]*(?:\s|$))",
        r"^[a-z_]\w*=\S*\s+(?=\S)",
        r"^(?:cmd(?:\.exe)?\s+/[ck]|(?:powershell|pwsh)(?:\.exe)?(?:\s+-(?!c\b|command\b)\S+)*"
        r"\s+-c(?:ommand)?|(?:ba|z|da|k|fi)?sh\s+-c|timeout\s+\S+)\s+(?=\S)",
    )
)
# `f=~/.ssh/id_rsa`, `export F=...`, `set F=...` (cmd), `$f = ...` (PowerShell): the name is
# replaced by its value in the parts after it, so `cat $f` reads what it holds.
_ASSIGN = re.compile(r"^(?:export\s+|set\s+|let\s+)?\$?([A-Za-z_]\w*)\s*=\s*(\S+)\s*$")
# A key given to ssh/scp/sftp with -i, or to a client as its key or config, is used, not shown.
_USED_AS_KEY = re.compile(
    r"(?:\b(?:ssh|scp|sftp|sshfs|autossh|mosh)\b[^|;&\n]*\s-i\s*|identityfile[=\s]+"
    r"|--(?:identity-file|private-key|key-file|kubeconfig|shared-credentials-file)[=\s]+"
    r"|\b(?:curl|wget|git|kubectl|helm)\b[^|;&\n]*\s--(?:key|cert)[=\s]+)[^\s]*$"
)
_EXEC = re.compile(r"\s-(?:exec|execdir|ok)\s+(\S+)")
_CD = re.compile(r"^(?:cd|pushd|chdir|set-location|sl)(?:\s+/d)?\s+(\S+)\s*$", re.IGNORECASE)
_GLOB = re.compile(r"[*?\[]")
_TOKEN_END = r"(?=/?\*?(?:$|[\s;|&)>'\"]))"
# Home and profile folders, as a person, a shell, cmd or PowerShell spells them.
_PLACES = tuple(
    (re.compile(pattern), place)
    for pattern, place in (
        (r"\$\{?env:(?:userprofile|home)\}?|%userprofile%|%homedrive%%homepath%|%homepath%", "~"),
        (r"\$\{?env:localappdata\}?|%localappdata%", "~/appdata/local"),
        (r"\$\{?env:appdata\}?|%appdata%", "~/appdata/roaming"),
        (r"\$\{?xdg_config_home\}?", "~/.config"),
        (r"\$\{?xdg_data_home\}?", "~/.local/share"),
        (r"\$\{?home\}?(?![\w])", "~"),
        (r"\$\{?histfile\}?", "~/.bash_history"),
        (r"(?<![\w.-])(?:[a-z]:)?/(?:users|home)/[^/\s]+", "~"),
        (r"(?<![\w.-])(?:/var)?/root(?=/|\s|$)", "~"),
        (r"(?<![\w.-])~[a-z_][\w-]*", "~"),
        (r"/{2,}", "/"),
        (r"(?<=/)(?:\./)+", ""),
    )
)
_PARENT = re.compile(r"[^/\s]+/\.\./")


@dataclass(frozen=True)
class _Secret:
    what: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None
    editable: bool = False


@dataclass(frozen=True)
class _Rules:
    readers: frozenset[str]
    editors: frozenset[str]
    reader_calls: re.Pattern[str]
    read_prefix: re.Pattern[str]
    files: tuple[_Secret, ...]
    dirs: tuple[_Secret, ...]
    glob_targets: tuple[str, ...]
    commands: tuple[tuple[str, re.Pattern[str]], ...]


@cache
def _rules() -> _Rules:
    text = resources.files("alphaomega.safety").joinpath("data", "secrets.yaml").read_text("utf-8")
    data = yaml.safe_load(text)

    def secret(entry: dict, suffix: str = "") -> _Secret:
        unless = entry.get("unless")
        return _Secret(
            what=entry["what"],
            pattern=re.compile(entry["pattern"] + suffix),
            unless=re.compile(unless) if unless else None,
            editable=bool(entry.get("editable", False)),
        )

    variable = data["secret_variable"]
    commands = []
    for entry in data["secret_commands"]:
        flags = 0 if entry.get("case") == "exact" else re.IGNORECASE
        pattern = entry["pattern"].replace("{secret_variable}", variable)
        commands.append((entry["what"], re.compile(pattern, flags)))
    return _Rules(
        readers=frozenset(data["readers"]),
        editors=frozenset(data["editors"]),
        reader_calls=re.compile(data["reader_calls"]),
        read_prefix=re.compile(data["read_prefixes"]),
        files=tuple(secret(entry) for entry in data["secret_files"]),
        dirs=tuple(secret(entry, _TOKEN_END) for entry in data["secret_dirs"]),
        glob_targets=tuple(data["glob_targets"]),
        commands=tuple(commands),
    )


def _windows_view(text: str) -> str:
    """The text as cmd and PowerShell read it: ^ and ` escapes and quotes gone, \\ as /."""
    text = re.sub(r"\^(?=\S)", "", text)
    text = re.sub(r"`(?=[A-Za-z-])", "", text)
    return text.replace('"', "").replace("'", "").replace("\\", "/")


def _paths(text: str) -> str:
    """Lower case, the home folder as ~, //, /./ and dir/../ resolved."""
    text = text.lower()
    for pattern, place in _PLACES:
        text = pattern.sub(place, text)
    previous = None
    while previous != text:
        previous, text = text, _PARENT.sub("", text, count=1)
    return text


def _command(part: str) -> str:
    """The part with sudo, env, cmd /c, a prompt ... taken off its front."""
    for _ in range(8):
        for wrapper in _WRAPPERS:
            stripped = wrapper.sub("", part, count=1)
            if stripped != part:
                part = stripped
                break
        else:
            return part.strip()
    return part.strip()


def _word(command: str) -> str:
    word = command.split(maxsplit=1)[0].lower() if command.strip() else ""
    word = word.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return word.removesuffix(".exe")


_GLOB_SECRET = _Secret("a secret file (through a glob)", re.compile(""))


def _secrets_in(path_text: str, cwd: str | None, rules: _Rules) -> list[tuple[_Secret, int]]:
    """Every secret the (path-normalised) text names, with where in the text it starts."""
    found: list[tuple[_Secret, int]] = []
    for secret in (*rules.files, *rules.dirs):
        for match in secret.pattern.finditer(path_text):
            if secret.unless is None or not secret.unless.search(match.group()):
                found.append((secret, match.start()))
    for word in list(re.finditer(r"\S+", path_text))[1:]:
        token = word.group().strip("'\"()=,")
        if not token or token.startswith("-"):
            continue
        candidates = [token]
        if cwd and not token.startswith(("/", "~", "$", "%")) and not re.search("[:@]", token):
            candidates.append(posixpath.normpath(f"{cwd}/{token}"))
        for candidate in candidates[1:]:
            found += [(s, word.start()) for s, _ in _secrets_in(f"_ {candidate}", None, rules)]
        if (
            _GLOB.search(token)
            and len(re.sub(r"[*?\[\]/~.]", "", token)) >= 3
            and any(_glob_hits(candidate, rules) for candidate in candidates)
        ):
            found.append((_GLOB_SECRET, word.start()))
    return found


def _glob_hits(token: str, rules: _Rules) -> bool:
    if "/" in token:
        return any(fnmatch.fnmatchcase(target, token) for target in rules.glob_targets)
    return any(
        fnmatch.fnmatchcase(posixpath.basename(target), token) for target in rules.glob_targets
    )


def _reads(command: str, path_text: str, starts: list[int], rules: _Rules) -> str | None:
    """'read' when this part reads files, 'edit' when it opens them in an editor, else None."""
    words = [_word(command), *(_word(m.group(1)) for m in _EXEC.finditer(" " + command))]
    if any(word in rules.readers for word in words) or rules.reader_calls.search(path_text):
        return "read"
    if any(rules.read_prefix.search(path_text[:start]) for start in starts):
        return "read"
    if any(word in rules.editors for word in words):
        return "edit"
    return None


def _substitute(part: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        reference = rf"\$\{{?{re.escape(name)}\}}?(?!\w)|%{re.escape(name)}%"
        part = re.sub(reference, lambda _, text=value: text, part, flags=re.IGNORECASE)
    return part


def _line_findings(view: str, rules: _Rules) -> list[str]:
    found: list[str] = []
    for parts in (_PARTS.split(view), _OUTER_PARTS.split(view)):
        for what in _parts_findings(parts, rules):
            if what not in found:
                found.append(what)
    return found


def _parts_findings(parts: list[str], rules: _Rules) -> list[str]:
    found: list[str] = []
    cwd: str | None = None
    variables: dict[str, str] = {}
    for raw in parts:
        command = _command(_substitute(raw, variables))
        if not command:
            continue
        assigned = _ASSIGN.match(command)
        if assigned:
            variables[assigned.group(1)] = assigned.group(2)
        for what, pattern in rules.commands:
            if pattern.search(command) and what not in found:
                found.append(what)
        path_text = _paths(command)
        moved = _CD.match(path_text)
        if moved:
            cwd = moved.group(1).rstrip("/")
            continue
        secrets = [
            (secret, start)
            for secret, start in _secrets_in(path_text, cwd, rules)
            if not _USED_AS_KEY.search(path_text[:start])
        ]
        if not secrets:
            continue
        how = _reads(command, path_text, [start for _, start in secrets], rules)
        if how == "read" or (how == "edit" and not all(s.editable for s, _ in secrets)):
            found.append(secrets[0][0].what)
    return found


def secret_access_findings(text: str) -> list[tuple[str, str]]:
    """(rule, why) for each kind of secret the typed text would show or send."""
    rules = _rules()
    base = normalize_text(text)
    views = [base, shell_view(base), _windows_view(base)]
    decoded = decoded_in_place(base)
    if decoded != base:  # decoded where it stands (cat $(echo B64 | base64 -d)), and alone
        views += [shell_view(decoded), *(shell_view(plain) for plain in decoded_tokens(base))]
    found: list[tuple[str, str]] = []
    for view in dict.fromkeys(views):
        for what in _line_findings(view, rules):
            finding = (_RULE, f"reads or sends {what}")
            if finding not in found:
                found.append(finding)
    return found
