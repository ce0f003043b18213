"""Replays the whitelisted calls of one action on paper: keys held, text typed, time spent.

Nothing here touches a mouse or keyboard; it keeps the state a real run would build so the
checks see what the calls do *together*: a ctrl+alt held by ``keyDown`` while ``press('del')``
comes, text typed one ``press`` at a time, text pasted from ``pyperclip``, the cursor moved
with ``home`` to put ``r`` in front of ``m -rf /``.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

from . import _keys as keys
from . import _text as text_rules
from ._limits import ActionLimits
from ._secrets import secret_access_findings
from ._signatures import (
    ArgumentError,
    check_count,
    check_flags,
    check_point,
    check_seconds,
    is_number,
)
from ._tokens import secret_findings

_CURSOR_TAGS = frozenset({"left", "right", "home", "end", "up", "down", "pageup", "pagedown"})
_MAX_CHUNKS_PAIRED = 8


# The calls that take a screen position: it must lie on the screen.
POINTER_FUNCTIONS = frozenset(
    {"click", "doubleClick", "rightClick", "moveTo", "dragTo", "mouseDown", "mouseUp", "scroll"}
    | {"hscroll", "vscroll"}
)


class TypingBuffer:
    """Typed text as separate chunks, in typing order, and as a line editor would hold it."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self._run: list[str] = []
        self._stream: list[str] = []
        self._editor: list[str] = []
        self._cursor = 0
        self.cursor_moved = False

    def type_text(self, text: str) -> None:
        self.flush_run()
        for char in text:
            self._char(char)
        self.chunks.append(text)

    def type_key_char(self, char: str) -> None:
        self._run.append(char)
        self._char(char)

    def _char(self, char: str) -> None:
        if char == "\b":
            self.backspace()
            return
        self._stream.append(char)
        self._editor.insert(self._cursor, char)
        self._cursor += 1

    def backspace(self) -> None:
        if self._stream:
            self._stream.pop()
        if self._run:
            self._run.pop()
        if self._cursor:
            self._cursor -= 1
            del self._editor[self._cursor]

    def cursor_key(self, tag: str) -> None:
        self.flush_run()
        self.cursor_moved = True
        text = self._editor
        if tag == "delete" and self._cursor < len(text):
            del text[self._cursor]
        elif tag == "left":
            self._cursor = max(0, self._cursor - 1)
        elif tag == "right":
            self._cursor = min(len(text), self._cursor + 1)
        elif tag == "home":
            while self._cursor and text[self._cursor - 1] != "\n":
                self._cursor -= 1
        elif tag == "end":
            while self._cursor < len(text) and text[self._cursor] != "\n":
                self._cursor += 1

    def flush_run(self) -> None:
        if self._run:
            self.chunks.append("".join(self._run))
            self._run = []

    def views(self, *, pieces: bool = True) -> list[str]:
        """Every reading of the typed text worth checking (chunks reordered if the cursor moved).

        ``pieces=False`` leaves out each chunk on its own, for checks that a chunk cut short
        would fool (``cat ~/.ssh/au`` of ``authorized_keys`` reads like a private key).
        """
        self.flush_run()
        views = ["".join(self._stream), "".join(self._editor), *(self.chunks if pieces else ())]
        if self.cursor_moved and len(self.chunks) > 1:
            head = self.chunks[:_MAX_CHUNKS_PAIRED]
            views += [a + b for a, b in permutations(head, 2)]
        return list(dict.fromkeys(view for view in views if view.strip()))


class ActionState:
    """Applies bound calls one by one and collects (rule, reason) findings."""

    def __init__(self, screen: tuple[int, int], limits: ActionLimits) -> None:
        self.screen = screen
        self.limits = limits
        self.findings: list[tuple[str, str]] = []
        self.typing = TypingBuffer()
        self.held: list[str] = []
        self.copied: list[str] = []
        self.clipboard: str | None = None
        self.seconds = 0.0
        self.keystrokes = 0
        self._power_menu_open = False

    def flag(self, rule: str, reason: str) -> None:
        if (rule, reason) not in self.findings:
            self.findings.append((rule, reason))

    # -- calls ---------------------------------------------------------------------------
    def apply(self, module: str, function: str, bound: dict[str, Any]) -> None:
        try:
            self._apply(module, function, bound)
        except ArgumentError as error:
            self.flag(error.rule, str(error))

    def _apply(self, module: str, function: str, bound: dict[str, Any]) -> None:
        lim = self.limits
        if module == "time":
            self.seconds += check_seconds(function, "secs", bound["secs"], lim.max_seconds_each)
            return
        if module == "pyperclip":
            self._copy(bound["text"])
            return
        check_flags(function, bound)
        if function in POINTER_FUNCTIONS:
            check_point(function, bound, self.screen)
        repeats = {"click": 0, "doubleClick": 2, "rightClick": 1}.get(function, 0)
        if function == "click":
            repeats = check_count(function, "clicks", bound.get("clicks", 1), 0, lim.max_clicks)
        duration = check_seconds(
            function, "duration", bound.get("duration", 0), lim.max_seconds_each
        )
        interval = check_seconds(
            function, "interval", bound.get("interval", 0), lim.max_seconds_each
        )
        self.seconds += duration + interval * repeats
        if function in ("scroll", "hscroll", "vscroll"):
            amount = bound["clicks"]
            if not is_number(amount) or abs(amount) > lim.max_scroll:
                raise ArgumentError(
                    f"{function}(): clicks={amount!r} is outside ±{lim.max_scroll}", "count"
                )
        else:
            self._keyboard(function, bound, interval)

    def _keyboard(self, function: str, bound: dict[str, Any], interval: float) -> None:
        if function in ("keyDown", "keyUp"):
            self._key_down_up(function, self._key_name(function, bound["key"]))
        elif function == "press":
            presses = check_count(
                function, "presses", bound.get("presses", 1), 0, self.limits.max_presses
            )
            names = self._key_list(function, bound["keys"])
            self.seconds += interval * presses
            for _ in range(presses):
                for name in names:
                    self._press(name)
        elif function == "hotkey":
            names = self._key_list(function, bound["keys"])
            self.seconds += interval * 2 * len(names)
            self._count(len(names))
            if all([self._usable(name) for name in names]):
                self._chord(names[:-1], names[-1])
        elif function in ("write", "typewrite"):
            self._write(function, bound["message"], interval)

    # -- keys ----------------------------------------------------------------------------
    def _key_name(self, function: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ArgumentError(f"{function}(): a key must be a non-empty string, not {value!r}")
        return keys.normalize_key(value)

    def _key_list(self, function: str, value: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise ArgumentError(f"{function}(): no keys given")
        names = [self._key_name(function, item) for item in items]
        # press()/typewrite() lists are pressed one after another; a list that spells a blocked
        # chord is refused all the same, as no harmless step needs one.
        if function != "hotkey" and isinstance(value, list) and len(names) > 1:
            why = keys.dangerous_chord(names)
            if why:
                self.flag(
                    "dangerous-hotkey",
                    f"{function}(): the key list spells a blocked combination: {why}",
                )
        return names

    def _usable(self, name: str) -> bool:
        if not keys.is_known_key(name):
            self.flag("unknown-key", f"{name!r} is not a key pyautogui knows")
            why = keys.dangerous_chord(part.strip() for part in name.split("+"))
            if why:
                self.flag("dangerous-hotkey", f"{name!r} names a blocked combination: {why}")
            return False
        if keys.is_power_key(name):
            self.flag("power-key", f"the {name!r} key acts on power, sleep or the session")
            return False
        return True

    def _count(self, n: int) -> None:
        self.keystrokes += n
        if self.keystrokes > self.limits.max_keystrokes:
            raise ArgumentError(
                f"more than {self.limits.max_keystrokes} keystrokes in one action", "text-length"
            )

    def _press(self, name: str) -> None:
        self._count(1)
        if self._usable(name):
            self._chord([], name)

    def _key_down_up(self, function: str, name: str) -> None:
        if function == "keyUp":
            if name in self.held:
                self.held.remove(name)
            return
        self._count(1)
        if self._usable(name) and name not in self.held:
            self._chord([], name)
            self.held.append(name)

    def _chord(self, extra: list[str], key: str) -> None:
        """One key going down while the held keys and ``extra`` are down."""
        down = [*self.held, *extra, key]
        why = keys.dangerous_chord(down)
        if why:
            self.flag("dangerous-hotkey", why)
        tags = keys.chord_tags(down)
        if tags & keys.SHORTCUT_TAGS:
            if keys.is_paste_chord(tags) and self.clipboard is not None:
                self.typing.type_text(self.clipboard)
            if {"win", "x"} <= tags:
                self._power_menu_open = True
            self.typing.cursor_key("shortcut")
            return
        if self._power_menu_open and key.lower() == "u":
            self.flag("power-key", "win+x then u opens the shut-down / sign-out menu")
        char = keys.typed_character(key)
        if char is not None:
            self.typing.type_key_char(char)
            return
        key_tags = keys.key_tags(key)
        if "backspace" in key_tags:
            self.typing.backspace()
        else:
            self.typing.cursor_key(next(iter(key_tags & (_CURSOR_TAGS | {"delete"})), "other"))

    # -- text ----------------------------------------------------------------------------
    def _write(self, function: str, message: Any, interval: float) -> None:
        if isinstance(message, list):
            names = self._key_list(function, message)
            self.seconds += interval * len(names)
            for name in names:
                self._press(name)
            return
        if not isinstance(message, str):
            raise ArgumentError(f"{function}(): message must be a string or a list of keys")
        self._text_length(function, message)
        self.seconds += interval * len(message)
        if keys.chord_tags(self.held) & keys.SHORTCUT_TAGS:
            for char in message:
                self._press(char)
            return
        self._count(len(message))
        self.typing.type_text(message)

    def _copy(self, value: Any) -> None:
        if not isinstance(value, str):
            raise ArgumentError("copy(): text must be a string")
        self._text_length("copy", value)
        self.clipboard = value
        self.copied.append(value)

    def _text_length(self, function: str, value: str) -> None:
        if len(value) > self.limits.max_text_chars:
            raise ArgumentError(
                f"{function}(): {len(value)} characters of text (at most "
                f"{self.limits.max_text_chars})",
                "text-length",
            )

    # -- end of the action ---------------------------------------------------------------
    def finish(self) -> None:
        if self.seconds > self.limits.max_total_seconds:
            self.flag(
                "duration",
                f"the action would take {self.seconds:g} s (at most "
                f"{self.limits.max_total_seconds:g} s of sleeps, durations and intervals)",
            )
        left = [name for name in self.held if keys.key_tags(name) & keys.MODIFIER_TAGS]
        if left:
            self.flag(
                "held-modifier",
                f"modifier keys left held down after the action: {left}; "
                "the next action's keys would combine with them",
            )
        for view in [*self.typing.views(), *self.copied]:
            for rule, why in text_rules.command_findings(view):
                self.flag(rule, f"types a command that {why}")
            for what in secret_findings(view):
                self.flag("secret", f"types {what}")
        for view in [*self.typing.views(pieces=False), *self.copied]:
            for rule, why in secret_access_findings(view):
                self.flag(rule, f"types a command that {why}")
