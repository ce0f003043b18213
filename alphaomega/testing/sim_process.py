"""An Ollama simulator in a child process of its own, as a real Ollama is.

Benchmarks time a client against the simulator; in the client's own process the simulator's
work would share the client's interpreter lock and be timed with it. The child is forked, so
``make`` may be any callable (a closure holding scripted replies), and is built there.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterator
from typing import Any

from .ollama_sim import OllamaSim


class SimProcess:
    def __init__(self, url: str, finish: Callable[[], dict[str, Any]]) -> None:
        self.url = url
        self._finish = finish

    def stats(self) -> dict[str, Any]:
        """Stop the simulator and return its counters (``SimStats`` as a dict)."""
        return self._finish()


@contextlib.contextmanager
def simulator_process(make: Callable[[], OllamaSim]) -> Iterator[SimProcess]:
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(make, child), daemon=True)
    process.start()
    if not parent.poll(60):
        process.terminate()
        raise RuntimeError("the simulator process did not start")
    url = parent.recv()
    finished: list[dict[str, Any]] = []

    def finish() -> dict[str, Any]:
        if not finished:
            parent.send("stats")
            finished.append(parent.recv() if parent.poll(30) else {})
        return finished[0]

    try:
        yield SimProcess(url, finish)
    finally:
        finish()
        process.join(10)
        if process.is_alive():
            process.terminate()


def _serve(make: Callable[[], OllamaSim], pipe: Any) -> None:
    sim = make().start()
    # The child's heap is its parent's, forked: a full collection would walk all of it and
    # stall the simulator's replies now and then, noise in whatever a benchmark times.
    gc.freeze()
    pipe.send(sim.url)
    pipe.recv()  # the run is over
    pipe.send(sim.stats().model_dump())
    sim.stop()
