"""How progress reads: bars redrawn in place on a terminal, a line per 10 % elsewhere; the rate
and time left come from the recent bytes."""

from __future__ import annotations

import io

from alphaomega.fleet import PullProgress
from alphaomega.provision import PlainLines, TerminalBars, Track
from alphaomega.provision._progress import duration_text

GB = 10**9


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def layer(completed: int, total: int = 4 * GB, digest: str = "sha256:" + "a" * 64):
    return PullProgress(status=f"pulling {digest[7:19]}", digest=digest, total=total,
                        completed=completed)  # fmt: skip


def test_rate_and_time_left_come_from_the_last_seconds():
    clock = Clock()
    track = Track("gpu1 qwen2.5-coder:7b", clock=clock)
    track.start()
    for second in range(4):
        clock.now = 100.0 + second
        track.update(layer(second * 200 * 10**6))
    assert track.rate() == 200 * 10**6
    assert track.numbers() == "0.6 GB/4.0 GB  200 MB/s  ETA 17 s"
    track.update(PullProgress(status="verifying sha256 digest"))
    assert track.detail == "verifying sha256 digest"
    assert duration_text(3725) == "1 h 02 min" and duration_text(75) == "1 min 15 s"


def test_plain_lines_once_per_ten_percent():
    clock = Clock()
    lines: list[str] = []
    report = PlainLines(lines.append)
    track = Track("gpu0 llava:34b", clock=clock)
    track.start()
    report.started(track)
    for step in range(0, 41):  # 0 % to 100 % in 2.5 % steps
        clock.now += 1
        track.update(layer(int(step * 0.025 * 4 * GB)))
        report.changed(track)
    track.finish("done")
    report.ended(track)
    clock.now += 30  # later redraws keep the time it took
    assert track.outcome() == "done: 4.0 GB in 41 s"
    assert lines[0] == "gpu0 llava:34b: pulling"
    assert [line.split(": ")[1].split("%")[0].strip() for line in lines[1:-1]] == [
        str(p) for p in range(10, 100, 10)
    ]
    assert lines[-1] == "gpu0 llava:34b: done: 4.0 GB in 41 s"


def test_terminal_bars_redraw_one_line_per_model_in_place():
    clock = Clock()
    out = io.StringIO()
    bars = TerminalBars(out, clock=clock, columns=lambda: 200)
    first, second = Track("gpu0 llava:34b", clock=clock), Track("gpu2 x:7b", clock=clock)
    bars.begin([first, second])
    first.start()
    bars.started(first)
    clock.now += 1
    first.update(layer(GB))
    clock.now += 1
    first.update(layer(2 * GB))
    bars.changed(first)
    clock.now += 0.01
    first.update(layer(3 * GB))
    bars.changed(first)  # within 0.1 s of the last drawing: not drawn
    second.finish("failed", "pull model manifest: file does not exist")
    bars.ended(second)
    frames = out.getvalue().split("\x1b[2F")
    assert len(frames) == 4  # begin, started, changed, ended
    assert frames[0] == "\x1b[2Kgpu0 llava:34b  waiting\n\x1b[2Kgpu2 x:7b       waiting\n"
    drawn = frames[2].split("\n")
    assert drawn[0] == (
        "\x1b[2Kgpu0 llava:34b  ████████████░░░░░░░░░░░░  50.0 %  2.0 GB/4.0 GB  1.0 GB/s  ETA 2 s"
    )
    assert frames[3].split("\n")[1] == (
        "\x1b[2Kgpu2 x:7b       FAILED: pull model manifest: file does not exist"
    )


def test_terminal_bars_never_wrap_a_line():
    out = io.StringIO()
    bars = TerminalBars(out, columns=lambda: 30)
    track = Track("gpu0 a-model-with-a-very-long-name:70b-instruct-q4_K_M")
    bars.begin([track])
    assert out.getvalue() == "\x1b[2K" + "gpu0 a-model-with-a-very-long-name:70b"[:29] + "\n"
