"""The whitelist of callable functions, their parameters, and the checks on plain values.

Parameter names and the order in which they may be passed by position follow pyautogui 0.9.54;
a parameter whose value cannot be a literal (``tween`` is a function) is never accepted, and
``logScreenshot`` only when it is off (on, it writes screenshots to the disk).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MOUSE_BUTTONS = frozenset({"left", "middle", "right", "primary", "secondary"})


@dataclass(frozen=True)
class Signature:
    positional: tuple[str, ...]
    keyword_only: tuple[str, ...] = ("logScreenshot", "_pause")
    required: tuple[str, ...] = ()
    var_keys: bool = False
    positional_only: bool = False


_XY = ("x", "y")
SIGNATURES: dict[tuple[str, str], Signature] = {
    ("pyautogui", "click"): Signature((*_XY, "clicks", "interval", "button", "duration")),
    ("pyautogui", "doubleClick"): Signature((*_XY, "interval", "button", "duration")),
    ("pyautogui", "rightClick"): Signature((*_XY, "interval", "duration")),
    ("pyautogui", "moveTo"): Signature((*_XY, "duration")),
    ("pyautogui", "dragTo"): Signature(
        (*_XY, "duration"), ("button", "logScreenshot", "_pause", "mouseDownUp")
    ),
    ("pyautogui", "mouseDown"): Signature((*_XY, "button", "duration")),
    ("pyautogui", "mouseUp"): Signature((*_XY, "button", "duration")),
    ("pyautogui", "scroll"): Signature(("clicks", *_XY), required=("clicks",)),
    ("pyautogui", "hscroll"): Signature(("clicks", *_XY), required=("clicks",)),
    ("pyautogui", "vscroll"): Signature(("clicks", *_XY), required=("clicks",)),
    ("pyautogui", "keyDown"): Signature(("key",), required=("key",)),
    ("pyautogui", "keyUp"): Signature(("key",), required=("key",)),
    ("pyautogui", "press"): Signature(("keys", "presses", "interval"), required=("keys",)),
    ("pyautogui", "hotkey"): Signature((), ("interval", "logScreenshot", "_pause"), var_keys=True),
    ("pyautogui", "typewrite"): Signature(("message", "interval"), required=("message",)),
    ("pyautogui", "write"): Signature(("message", "interval"), required=("message",)),
    ("time", "sleep"): Signature(("secs",), (), ("secs",), positional_only=True),
    ("pyperclip", "copy"): Signature(("text",), (), ("text",)),
}

ALLOWED_MODULES = frozenset(module for module, _ in SIGNATURES)


class ArgumentError(ValueError):
    """An argument list that does not fit the function, or a value out of bounds."""

    def __init__(self, message: str, rule: str = "bad-argument") -> None:
        super().__init__(message)
        self.rule = rule


def bind(function: str, sig: Signature, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Map the literal arguments onto parameter names the way Python would, or refuse."""
    if sig.var_keys:
        if not args:
            raise ArgumentError(f"{function}() needs at least one key")
        keys = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        bound: dict[str, Any] = {"keys": keys}
    else:
        if len(args) > len(sig.positional):
            raise ArgumentError(
                f"{function}() takes at most {len(sig.positional)} positional arguments here"
            )
        bound = dict(zip(sig.positional, args, strict=False))
    for name, value in kwargs.items():
        if sig.positional_only or (name not in sig.positional and name not in sig.keyword_only):
            raise ArgumentError(f"{function}() does not accept the keyword {name!r}")
        if name in bound:
            raise ArgumentError(f"{function}() got {name!r} twice")
        bound[name] = value
    missing = [name for name in sig.required if name not in bound]
    if missing:
        raise ArgumentError(f"{function}() is missing {', '.join(missing)}")
    return bound


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_point(function: str, bound: dict[str, Any], screen: tuple[int, int]) -> None:
    """x and y (or one (x, y) pair in x) must lie on the screen; missing means 'where it is now'."""
    x, y = bound.get("x"), bound.get("y")
    if isinstance(x, list):
        if y is not None or len(x) != 2:
            raise ArgumentError(f"{function}(): a coordinate sequence must be one (x, y) pair")
        x, y = x
    if isinstance(x, str):
        raise ArgumentError(
            f"{function}(): a string for x makes pyautogui read an image file and search the "
            "screen for it; give numbers",
            "file-access",
        )
    width, height = screen
    for axis, value, limit in (("x", x, width), ("y", y, height)):
        if value is None:
            continue
        if not is_number(value):
            raise ArgumentError(f"{function}(): {axis} must be a number, not {value!r}")
        if not 0 <= value < limit:
            raise ArgumentError(
                f"{function}(): {axis}={value} is outside the {width}x{height} screen",
                "coordinates",
            )


def check_count(function: str, name: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ArgumentError(f"{function}(): {name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ArgumentError(f"{function}(): {name}={value} is outside {low}..{high}", "count")
    return value


def check_seconds(function: str, name: str, value: Any, high: float) -> float:
    if not is_number(value):
        raise ArgumentError(f"{function}(): {name} must be a number of seconds, not {value!r}")
    if not 0 <= value <= high:
        raise ArgumentError(f"{function}(): {name}={value} s is outside 0..{high:g} s", "duration")
    return float(value)


def check_flags(function: str, bound: dict[str, Any]) -> None:
    button = bound.get("button")
    if button is not None and (not isinstance(button, str) or button.lower() not in MOUSE_BUTTONS):
        raise ArgumentError(f"{function}(): button must be one of {sorted(MOUSE_BUTTONS)}")
    if bound.get("logScreenshot") not in (None, False):
        raise ArgumentError(
            f"{function}(): logScreenshot would write screenshots to the disk", "file-access"
        )
    for name in ("_pause", "mouseDownUp"):
        if name in bound and not isinstance(bound[name], bool):
            raise ArgumentError(f"{function}(): {name} must be True or False")
