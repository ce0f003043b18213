"""How a pull's progress reads: a bar per model on a terminal (bytes, rate, time left), a plain
line per 10 % anywhere else (a log, CI, ``docker compose`` output)."""

from __future__ import annotations

import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from ..fleet import PullProgress

GB = 10**9
MB = 10**6
RATE_WINDOW_S = 5.0
REDRAW_S = 0.1
BAR_WIDTH = 24


def size_text(size: float) -> str:
    return f"{size / GB:.1f} GB" if size >= 0.1 * GB else f"{size / MB:.0f} MB"


def rate_text(bytes_per_s: float) -> str:
    if bytes_per_s >= GB:
        return f"{bytes_per_s / GB:.1f} GB/s"
    return f"{bytes_per_s / MB:.0f} MB/s"


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@dataclass
class Track:
    """One model's download: bytes per layer, and the recent samples its rate comes from."""

    label: str  # "gpu1 qwen2.5-coder:7b"
    clock: Callable[[], float] = time.monotonic
    layers: dict[str, tuple[int, int]] = field(default_factory=dict)
    samples: deque[tuple[float, int]] = field(default_factory=deque)
    started: float = 0.0
    ended: float = 0.0
    state: str = "waiting"  # waiting, pulling, done, present, failed
    detail: str = ""

    def start(self) -> None:
        self.started = self.clock()
        self.state = "pulling"

    def finish(self, state: str, detail: str = "") -> None:
        """``done``, ``present`` or ``failed`` (with what went wrong)."""
        self.ended = self.clock()
        self.state, self.detail = state, detail or self.detail

    def update(self, line: PullProgress) -> None:
        if line.digest and line.total:
            self.layers[line.digest] = (line.total, line.completed)
            now = self.clock()
            self.samples.append((now, self.completed))
            while len(self.samples) > 2 and now - self.samples[0][0] > RATE_WINDOW_S:
                self.samples.popleft()
        elif line.status and not line.digest:
            self.detail = line.status

    @property
    def total(self) -> int:
        return sum(total for total, _ in self.layers.values())

    @property
    def completed(self) -> int:
        return sum(done for _, done in self.layers.values())

    @property
    def fraction(self) -> float:
        return self.completed / self.total if self.total else 0.0

    def rate(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        (t0, c0), (t1, c1) = self.samples[0], self.samples[-1]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0

    def numbers(self) -> str:
        rate = self.rate()
        text = f"{size_text(self.completed)}/{size_text(self.total)}"
        if rate > 0:
            text += (
                f"  {rate_text(rate)}  ETA {duration_text((self.total - self.completed) / rate)}"
            )
        return text

    def outcome(self) -> str:
        if self.state == "done":
            took = duration_text(self.ended - self.started)
            return f"done: {size_text(self.total)} in {took}"
        if self.state == "failed":
            return f"FAILED: {self.detail}"
        if self.state == "present":
            return "already there"
        return self.state


class PlainLines:
    """A line when a pull starts, at each 10 % it passes, and when it ends."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self._tenths: dict[int, int] = {}

    def begin(self, tracks: list[Track]) -> None:
        pass

    def started(self, track: Track) -> None:
        self._tenths[id(track)] = 0
        self.echo(f"{track.label}: pulling")

    def changed(self, track: Track) -> None:
        tenth = int(track.fraction * 10)
        if 0 < tenth < 10 and tenth > self._tenths.get(id(track), 0):
            self._tenths[id(track)] = tenth
            self.echo(f"{track.label}: {tenth * 10:3d} %  {track.numbers()}")

    def ended(self, track: Track) -> None:
        self.echo(f"{track.label}: {track.outcome()}")

    def end(self) -> None:
        pass


class TerminalBars:
    """One line per model, redrawn in place (ANSI), at most ten times a second."""

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        columns: Callable[[], int] = lambda: shutil.get_terminal_size().columns,
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.columns = columns
        self.tracks: list[Track] = []
        self._drawn = 0
        self._last = 0.0

    def begin(self, tracks: list[Track]) -> None:
        self.tracks = tracks
        self._draw()

    def started(self, track: Track) -> None:
        self._draw()

    def changed(self, track: Track) -> None:
        if self.clock() - self._last >= REDRAW_S:
            self._draw()

    def ended(self, track: Track) -> None:
        self._draw()

    def end(self) -> None:
        self._draw()

    def line(self, track: Track) -> str:
        width = max(len(t.label) for t in self.tracks)
        head = track.label.ljust(width)
        if track.state != "pulling":
            return f"{head}  {track.outcome()}"
        filled = int(track.fraction * BAR_WIDTH)
        bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        if not track.total:
            return f"{head}  {bar}  {track.detail or 'starting'}"
        return f"{head}  {bar} {track.fraction * 100:5.1f} %  {track.numbers()}"

    def _draw(self) -> None:
        self._last = self.clock()
        out = f"\x1b[{self._drawn}F" if self._drawn else ""
        width = self.columns() - 1  # a wrapped line would break the redraw
        out += "".join(f"\x1b[2K{self.line(track)[:width]}\n" for track in self.tracks)
        self._drawn = len(self.tracks)
        self.stream.write(out)
        self.stream.flush()
