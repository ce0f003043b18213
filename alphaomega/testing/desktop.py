"""A real X display (Xvfb) and a real Tk window on it, for tests, benchmarks and demos.

Test equipment: ``VirtualDisplay`` runs Xvfb on a free display number; ``TargetWindow`` runs a
small Tk app there (a text field, a Submit and a Cancel button, a label that changes on a
click) in its own process, which reports what happened to it as JSON lines: where its widgets
are once it is shown, then every click with the field's text at that moment. Its widgets have
flat colours of their own, so test equipment can find them by their pixels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

READY_TIMEOUT_S = 30.0

# Flat colours of the target's widgets (RGB), distinct from each other and from Tk's greys.
COLOURS: dict[str, tuple[int, int, int]] = {
    "Submit": (0, 160, 60),
    "Cancel": (230, 120, 0),
    "field": (255, 240, 150),
    "label": (150, 150, 150),
    "label_submitted": (200, 0, 160),
}


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class VirtualDisplay:
    """``with VirtualDisplay(1920, 1080) as display: display.env`` (DISPLAY, XAUTHORITY)."""

    def __init__(self, width: int = 1280, height: int = 800) -> None:
        self.width, self.height = width, height
        self.number: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._auth = tempfile.NamedTemporaryFile(prefix="xauth-", delete=False)  # noqa: SIM115
        self._auth.close()

    @property
    def name(self) -> str:
        return f":{self.number}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "DISPLAY": self.name,
            "XAUTHORITY": self._auth.name,
            "XDG_SESSION_TYPE": "x11",
        }

    def start(self) -> VirtualDisplay:
        for number in range(140, 400):
            if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
                continue
            screen = f"{self.width}x{self.height}x24"
            self.process = subprocess.Popen(
                ["Xvfb", f":{number}", "-screen", "0", screen, "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + READY_TIMEOUT_S
            while time.monotonic() < deadline and self.process.poll() is None:
                if Path(f"/tmp/.X11-unix/X{number}").exists():
                    self.number = number
                    return self
                time.sleep(0.05)
            self.stop()
        raise RuntimeError("Xvfb did not start on any free display")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.process = None

    def __enter__(self) -> VirtualDisplay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        Path(self._auth.name).unlink(missing_ok=True)


class TargetWindow:
    """The Tk target app on ``display``; ``events()`` reads what it reported so far."""

    def __init__(self, display: VirtualDisplay, log_path: Path, *, busy: bool = False) -> None:
        self.display = display
        self.log_path = Path(log_path)
        self.busy = busy
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> TargetWindow:
        self.log_path.write_text("")
        env = {**os.environ, **self.display.env}
        args = [sys.executable, "-m", "alphaomega.testing._tk_target", str(self.log_path)]
        if self.busy:
            args.append("--busy")
        self.process = subprocess.Popen(args, env=env)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.ready() is not None:
                return self
            if self.process.poll() is not None:
                raise RuntimeError("the Tk target window exited")
            time.sleep(0.05)
        raise RuntimeError("the Tk target window did not show")

    def events(self) -> list[dict[str, Any]]:
        lines = self.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def ready(self) -> dict[str, Any] | None:
        return next((e for e in self.events() if e["event"] == "ready"), None)

    def widget(self, name: str) -> tuple[int, int, int, int]:
        """(x, y, width, height) of a widget on the screen."""
        ready = self.ready()
        assert ready is not None
        return tuple(ready["widgets"][name])  # type: ignore[return-value]

    def centre(self, name: str) -> tuple[int, int]:
        x, y, w, h = self.widget(name)
        return x + w // 2, y + h // 2

    def clicks(self) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["event"] == "click"]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.clicks()) < count:
            time.sleep(0.05)
        return self.clicks()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def __enter__(self) -> TargetWindow:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def colour_hex(name: str) -> str:
    return _hex(COLOURS[name])
