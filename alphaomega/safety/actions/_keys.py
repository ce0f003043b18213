"""Key names and key combinations for the action validator (pure data and lookups).

pyautogui lower-cases every key name longer than one character, so the checks do too. A key
gets a set of *tags* (``ctrlright`` -> ``{"ctrl"}``, ``f4`` -> ``{"f4", "fkey"}``); a chord is
dangerous when the tags of every key held at once cover one of the rules below, whatever the
order or the alias the agent used.
"""

from __future__ import annotations

from collections.abc import Iterable

# Named keys of pyautogui 0.9.54 (``pyautogui.KEY_NAMES``); single characters are listed nowhere:
# any one character is a key.
_PYAUTOGUI_NAMED_KEYS = frozenset(
    """
    accept add alt altleft altright apps backspace browserback browserfavorites browserforward
    browserhome browserrefresh browsersearch browserstop capslock clear convert ctrl ctrlleft
    ctrlright decimal del delete divide down end enter esc escape execute final fn hanguel hangul
    hanja help home insert junja kana kanji launchapp1 launchapp2 launchmail launchmediaselect left
    modechange multiply nexttrack nonconvert numlock pagedown pageup pause pgdn pgup playpause
    prevtrack print printscreen prntscrn prtsc prtscr return right scrolllock select separator
    shift shiftleft shiftright sleep space stop subtract tab up volumedown volumemute volumeup win
    winleft winright yen command option optionleft optionright
    """.split()
    + [f"f{n}" for n in range(1, 25)]
    + [f"num{n}" for n in range(10)]
)

# Names agents emit that pyautogui does not know (it ignores them on X11). They are accepted so a
# harmless step is not refused, and tagged so a dangerous chord spelled with them is still caught.
_ALIASES = {
    "control": "ctrl",
    "ctl": "ctrl",
    "lctrl": "ctrl",
    "rctrl": "ctrl",
    "control_l": "ctrl",
    "control_r": "ctrl",
    "controlleft": "ctrl",
    "controlright": "ctrl",
    "alt_l": "alt",
    "alt_r": "alt",
    "lalt": "alt",
    "ralt": "alt",
    "opt": "alt",
    "shift_l": "shift",
    "shift_r": "shift",
    "lshift": "shift",
    "rshift": "shift",
    "super": "win",
    "super_l": "win",
    "super_r": "win",
    "superleft": "win",
    "superright": "win",
    "meta": "win",
    "meta_l": "win",
    "meta_r": "win",
    "windows": "win",
    "lwin": "win",
    "rwin": "win",
    "cmd": "command",
    "command_l": "command",
    "command_r": "command",
    "commandleft": "command",
    "commandright": "command",
    "page_up": "pageup",
    "page_down": "pagedown",
    "caps_lock": "capslock",
    "num_lock": "numlock",
    "scroll_lock": "scrolllock",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "ins": "insert",
    "sysrq": "print",
    "sys_req": "print",
    "kp_enter": "enter",
    "numpadenter": "enter",
    "pgdown": "pagedown",
    "prtscn": "print",
    "printscr": "print",
    "menu": "apps",
    "context_menu": "apps",
    "contextmenu": "apps",
}
# Further names agents use that pyautogui ignores; accepted as harmless, tagged by name.
_HARMLESS_UNKNOWN = frozenset(
    """
    altgr break plus minus comma period slash backslash semicolon apostrophe quote grave equal
    asterisk underscore bracketleft bracketright
    """.split()
)

_TAGS_BY_KEY: dict[str, frozenset[str]] = {}


def _tag(tag: str, *keys: str) -> None:
    for key in keys:
        _TAGS_BY_KEY[key] = _TAGS_BY_KEY.get(key, frozenset()) | {tag}


_tag("ctrl", "ctrl", "ctrlleft", "ctrlright")
_tag("alt", "alt", "altleft", "altright", "option", "optionleft", "optionright")
_tag("shift", "shift", "shiftleft", "shiftright")
_tag("win", "win", "winleft", "winright")
_tag("cmd", "command")
_tag("delete", "del", "delete")
_tag("backspace", "backspace", "\b")
_tag("print", "print", "printscreen", "prntscrn", "prtsc", "prtscr")
_tag("esc", "esc", "escape", "\x1b")
_tag("enter", "enter", "return", "\n", "\r")
_tag("space", "space", " ")
_tag("tab", "tab", "\t")
_tag("pageup", "pageup", "pgup")
_tag("pagedown", "pagedown", "pgdn")
for _n in range(1, 25):
    _tag(f"f{_n}", f"f{_n}")
    if _n <= 12:
        _tag("fkey", f"f{_n}")

# The numeric keypad types characters too (``subtract`` is a minus sign).
_KEYPAD_CHARACTERS = {f"num{n}": str(n) for n in range(10)} | {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "decimal": ".",
    "plus": "+",
    "minus": "-",
    "slash": "/",
    "period": ".",
    "comma": ",",
    "semicolon": ";",
    "backslash": "\\",
    "asterisk": "*",
    "underscore": "_",
    "equal": "=",
    "apostrophe": "'",
    "quote": "'",
    "grave": "`",
    "bracketleft": "[",
    "bracketright": "]",
}

MODIFIER_TAGS = frozenset({"ctrl", "alt", "shift", "win", "cmd"})
# Modifiers that turn a key press into a shortcut instead of typing a character.
SHORTCUT_TAGS = MODIFIER_TAGS - {"shift"}

# (tags that must all be down together, why it is refused)
DANGEROUS_CHORDS: tuple[tuple[frozenset[str], str], ...] = tuple(
    (frozenset(tags.split("+")), why)
    for tags, why in (
        ("ctrl+alt+delete", "ctrl+alt+delete opens the log-out / restart / lock screen"),
        ("ctrl+alt+end", "ctrl+alt+end is ctrl+alt+delete inside a remote session"),
        ("ctrl+alt+backspace", "ctrl+alt+backspace kills the graphical session"),
        ("ctrl+alt+fkey", "ctrl+alt+F1..F12 switches to a text console"),
        ("ctrl+alt+esc", "ctrl+alt+esc turns the pointer into a window killer"),
        ("ctrl+alt+l", "ctrl+alt+l locks the screen"),
        ("ctrl+alt+shift+pageup", "ctrl+alt+shift+page up reboots without confirmation"),
        ("ctrl+alt+shift+pagedown", "ctrl+alt+shift+page down shuts down without confirmation"),
        ("alt+f4", "alt+f4 closes the active window"),
        ("alt+print", "alt+sysrq sends magic SysRq commands to the kernel"),
        ("win+l", "win/super+l locks the screen"),
        ("cmd+q", "command+q quits the application (and with shift or ctrl logs out or locks)"),
        ("cmd+alt+esc", "command+option+esc opens the force-quit dialog"),
    )
)

# Keys that act on power or the session even pressed alone.
_POWER_WORDS = (
    "power",
    "sleep",
    "suspend",
    "hibernat",
    "logoff",
    "logout",
    "shutdown",
    "reboot",
    "standby",
    "wake",
    "eject",
    "screensaver",
)
_LOCK_KEYS = frozenset({"lock", "screenlock", "xf86screensaver", "xf86lock", "lockscreen"})


def normalize_key(raw: str) -> str:
    """The name pyautogui would use: one character as is, longer names lower-cased."""
    return raw if len(raw) == 1 else raw.lower()


def is_known_key(key: str) -> bool:
    return (
        len(key) == 1 or key in _PYAUTOGUI_NAMED_KEYS or key in _ALIASES or key in _HARMLESS_UNKNOWN
    )


def is_power_key(key: str) -> bool:
    if len(key) == 1:
        return False
    return key in _LOCK_KEYS or any(word in key for word in _POWER_WORDS)


def key_tags(key: str) -> frozenset[str]:
    """Tags of one key; letters are tagged case-insensitively (win+L locks like win+l)."""
    name = _ALIASES.get(key, key)
    tags = _TAGS_BY_KEY.get(name)
    if tags is not None:
        return tags
    return frozenset({name.lower()})


def chord_tags(keys: Iterable[str]) -> frozenset[str]:
    tags: frozenset[str] = frozenset()
    for key in keys:
        tags |= key_tags(key)
    return tags


def dangerous_chord(keys: Iterable[str]) -> str | None:
    """Why this set of keys held together must not be pressed, or None."""
    tags = chord_tags(keys)
    for needed, why in DANGEROUS_CHORDS:
        if needed <= tags:
            return why
    return None


def is_paste_chord(tags: frozenset[str]) -> bool:
    return {"ctrl", "v"} <= tags or {"cmd", "v"} <= tags or {"shift", "insert"} <= tags


def typed_character(key: str) -> str | None:
    """The character a key types when no shortcut modifier is held, or None for other keys."""
    if len(key) == 1:
        return "\n" if key == "\r" else key
    tags = key_tags(key)
    for tag, char in (("space", " "), ("enter", "\n"), ("tab", "\t")):
        if tag in tags:
            return char
    return _KEYPAD_CHARACTERS.get(key)
