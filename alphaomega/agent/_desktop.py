"""The desktop the agent host drives: screen capture with mss, input replayed with pyautogui.

Both libraries open the X display when first used, so they are imported here lazily, on the
host's one desktop thread: every capture and every action runs there, one at a time. An action
is replayed from the validator's parsed calls (module, function, literal arguments) through a
fixed table of functions; the action's source text is never compiled, exec'd or eval'd.
pyautogui's fail-safe (the mouse in a screen corner stops it) stays on.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..safety import ActionCall

# pyautogui waits this long after each call of an action but the last (its default is 0.1 s).
PAUSE_S = 0.01


@dataclass(frozen=True)
class Capture:
    """One screenshot at full size."""

    image: Image.Image

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


class FailSafeTriggered(Exception):
    """pyautogui's corner fail-safe stopped an action."""


class Desktop:
    """The real screen, mouse and keyboard of the display in ``DISPLAY``."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._table: dict[tuple[str, str], Callable[..., Any]] | None = None

    def _grabber(self) -> Any:
        grabber = getattr(self._local, "mss", None)
        if grabber is None:
            import mss

            grabber = self._local.mss = mss.MSS()
        return grabber

    def size(self) -> tuple[int, int]:
        monitor = self._grabber().monitors[1]
        return int(monitor["width"]), int(monitor["height"])

    def capture(self) -> Capture:
        shot = self._grabber().grab(self._grabber().monitors[1])
        size = (shot.width, shot.height)
        return Capture(Image.frombuffer("RGB", size, shot.bgra, "raw", "BGRX", 0, 1))

    def fingerprint(self) -> str:
        """The SHA-256 of the screen as it is now (for the audit), without making an image."""
        shot = self._grabber().grab(self._grabber().monitors[1])
        return hashlib.sha256(shot.bgra).hexdigest()

    def replay(self, calls: list[ActionCall]) -> list[str]:
        """Run the calls in order; returns what was done, one line per call."""
        table = self._functions()
        import pyautogui

        done: list[str] = []
        for index, call in enumerate(calls):
            function = table[(call.module, call.function)]  # the validator allowed only these
            # a pause between calls lets the app keep up; after the last one the caller waits
            pyautogui.PAUSE = PAUSE_S if index < len(calls) - 1 else 0
            try:
                function(*call.args, **call.kwargs)
            except pyautogui.FailSafeException as exc:
                raise FailSafeTriggered(str(exc)) from exc
            done.append(describe_call(call))
        return done

    def _functions(self) -> dict[tuple[str, str], Callable[..., Any]]:
        if self._table is None:
            import pyautogui

            pyautogui.FAILSAFE = True
            pyautogui.PAUSE = PAUSE_S
            names = (
                "click doubleClick rightClick moveTo dragTo mouseDown mouseUp scroll hscroll "
                "vscroll keyDown keyUp press hotkey typewrite write"
            ).split()
            table: dict[tuple[str, str], Callable[..., Any]] = {
                ("pyautogui", name): getattr(pyautogui, name) for name in names
            }
            table[("time", "sleep")] = time.sleep
            table[("pyperclip", "copy")] = _clipboard_copy
            self._table = table
        return self._table


def _clipboard_copy(text: str) -> None:
    import pyperclip

    pyperclip.copy(text)


def describe_call(call: ActionCall) -> str:
    """A short line for people: ``click at (450, 320)``, ``typed 12 characters``."""
    args, kwargs = call.args, call.kwargs
    if call.module == "time":
        return f"waited {args[0] if args else kwargs.get('secs')} s"
    if call.module == "pyperclip":
        return "copied text to the clipboard"
    name = call.function
    x = kwargs.get("x", args[0] if args and name not in ("scroll", "hscroll", "vscroll") else None)
    y = kwargs.get("y", args[1] if len(args) > 1 and name not in ("scroll",) else None)
    where = f" at ({x}, {y})" if isinstance(x, int | float) and isinstance(y, int | float) else ""
    if name in ("typewrite", "write"):
        text = kwargs.get("message", args[0] if args else "")
        return f"typed {len(text)} characters" if isinstance(text, str) else "typed keys"
    if name in ("hotkey", "press", "keyDown", "keyUp"):
        keys = args if name == "hotkey" else args[:1] or [kwargs.get("keys") or kwargs.get("key")]
        return f"{name} {'+'.join(str(k) for k in keys)}"
    return f"{name}{where}"


def encode_image(
    image: Image.Image, max_width: int | None = None, *, jpeg_quality: int | None = None
) -> tuple[bytes, tuple[int, int]]:
    """The image as PNG (or JPEG at ``jpeg_quality``), first scaled down to ``max_width``."""
    if max_width and image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.BOX)
    out = io.BytesIO()
    if jpeg_quality:
        image.save(out, format="JPEG", quality=jpeg_quality)
    else:
        image.save(out, format="PNG", compress_level=1)
    return out.getvalue(), image.size
