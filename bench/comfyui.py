"""Image placement benchmark: three simulated ComfyUI instances, a burst of 24 renders over two
checkpoints, the pack's placement against a single URL and a random pick.

- ``alphaomega``: the Image model's pool (``alphaomega.comfyui``): shortest queue, a checkpoint
  switch counted as ``switch_cost`` renders of queue, dead instances skipped.
- ``single``: every render to one ComfyUI, which is all Open WebUI's built-in ComfyUI setting
  (one ``COMFYUI_BASE_URL``) can do.
- ``random``: each render to an instance picked at random (seeded).

Each policy runs against fresh simulators (``ComfySim``, real HTTP and websockets, each in a
process of its own, nothing loaded at the start) through the Image model's core on the pack's
loop, exactly as a chat reaches it. The 24 requests arrive together, alternating SDXL and Flux.

Ideal: the shortest possible makespan for these renders on three GPUs, from the simulators'
costs (``steps x step_s + decode_s`` a render, ``load_s`` a checkpoint switch), found by trying
every split of the SDXL and Flux renders over the three instances (each instance loads each
checkpoint it uses once). ``first_status_ms_p95``: from a request to its first status line.
Goals: ``makespan_ratio_vs_single`` <= 0.40, ``makespan_vs_ideal`` <= 1.10,
``first_status_ms_p95`` <= 500.

Run: ``python bench/comfyui.py``; writes ``bench/results/comfyui.json`` and ``comfyui.png``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import multiprocessing
import platform
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alphaomega import chat, runtime  # noqa: E402
from alphaomega.comfyui import (  # noqa: E402
    ComfyInstanceConfig,
    ImageModel,
    ImageSettings,
    Job,
    Placement,
    builtin_workflow,
    parse_message,
)
from alphaomega.testing.comfyui_sim import ComfySim  # noqa: E402

OUTPUT = ROOT / "bench" / "results" / "comfyui.json"
log = logging.getLogger("bench.comfyui")
CHART = ROOT / "bench" / "results" / "comfyui.png"
RENDERS = 24
INSTANCES = 3
STEPS = 20
STEP_S, LOAD_S, DECODE_S = 0.25, 3.0, 0.3  # simulated seconds (the simulator's defaults)
TIME_SCALE = 0.5  # real ComfyUI renders take seconds: keep the simulated ones near that
SEED = 1411


class Simulators(list):
    """The URLs of the simulators; after the block, ``.work`` holds (renders, loads) of each."""

    work: list[tuple[int, int]]


@contextlib.contextmanager
def simulators(count: int) -> Iterator[Simulators]:
    """``count`` fresh ComfyUI simulators, each in a process of its own."""
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for _ in range(count):
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        pipes.append(parent)
        processes.append(process)
    urls = Simulators(pipe.recv() for pipe in pipes)
    try:
        yield urls
    finally:
        for pipe in pipes:
            pipe.send("stop")
        urls.work = [tuple(pipe.recv()) for pipe in pipes]
        for process in processes:
            process.join(10)


def _serve(pipe: Any) -> None:
    sim = ComfySim(step_s=STEP_S, load_s=LOAD_S, decode_s=DECODE_S, time_scale=TIME_SCALE)
    sim.start()
    pipe.send(sim.url)
    pipe.recv()
    records = sim.records()
    pipe.send((len(records), sum(r.loaded for r in records)))
    sim.stop()


class RandomPlacement(Placement):
    def __init__(self, seed: int) -> None:
        super().__init__()
        self.random = random.Random(seed)

    def rank(self, instances: list[Any], checkpoint: str | None) -> list[Any]:
        ranked = list(instances)
        self.random.shuffle(ranked)
        return ranked


def jobs() -> list[Job]:
    made = []
    for i in range(RENDERS):
        workflow = builtin_workflow("sdxl" if i % 2 == 0 else "flux")
        params = parse_message(f"burst picture {i} --steps {STEPS} --seed {i}")
        made.append(Job(workflow, params, i, workflow.checkpoint, None))
    return made


async def run_policy(policy: str, urls: list[str]) -> dict[str, Any]:
    configs = [ComfyInstanceConfig(url=u, gpu=f"gpu{i}") for i, u in enumerate(urls)]
    if policy == "single":
        configs = configs[:1]
    core = ImageModel(configs)
    settings = ImageSettings()
    if policy == "random":
        core.pool(settings).rule = RandomPlacement(SEED)
    await core.pool(settings).warm()  # what the Image pipeline's on_startup does
    first_status: list[float] = []
    failures: list[str] = []

    async def one(job: Job) -> None:
        started = time.perf_counter()
        seen = False
        async for event in core.job_events(job, settings):
            if isinstance(event, chat.Status) and not seen:
                seen = True
                first_status.append((time.perf_counter() - started) * 1000)
            if isinstance(event, chat.Text) and event.text.startswith("⚠️"):
                failures.append(event.text)

    started = time.perf_counter()
    await asyncio.gather(*(one(job) for job in jobs()))
    makespan = (time.perf_counter() - started) / TIME_SCALE
    return {
        "makespan_s": round(makespan, 2),
        "first_status_ms_p95": round(sorted(first_status)[int(0.95 * len(first_status)) - 1], 1),
        "failures": len(failures),
    }


def ideal_makespan() -> float:
    """The best split of the renders over the instances (simulated seconds)."""
    render = STEPS * STEP_S + DECODE_S
    per_kind = RENDERS // 2
    best = float("inf")
    splits = [
        s for s in itertools.product(range(per_kind + 1), repeat=INSTANCES) if sum(s) == per_kind
    ]
    for sdxl in splits:
        for flux in splits:
            longest = max(
                (a + b) * render + LOAD_S * ((a > 0) + (b > 0))
                for a, b in zip(sdxl, flux, strict=True)
            )
            best = min(best, longest)
    return best


def chart(results: dict[str, Any], ideal: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["single", "random", "alphaomega"]
    values = [results[n]["makespan_s"] for n in names]
    figure, axis = plt.subplots(figsize=(7, 3.6))
    bars = axis.bar(names, values, color=["#999999", "#c9a227", "#2a7ab0"])
    axis.axhline(ideal, color="black", linestyle="--", linewidth=1, label=f"ideal {ideal:.1f} s")
    axis.bar_label(bars, fmt="%.1f s")
    axis.set_ylabel("makespan, simulated s")
    axis.set_title(f"{RENDERS} renders (SDXL + Flux) on {INSTANCES} simulated ComfyUI")
    axis.legend()
    figure.tight_layout()
    figure.savefig(CHART, dpi=110)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("httpx", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    results: dict[str, Any] = {}
    for policy in ("single", "random", "alphaomega"):
        with simulators(INSTANCES) as urls:
            results[policy] = runtime.call(run_policy(policy, urls))
        results[policy]["renders_and_loads_per_instance"] = urls.work
        log.info("%s: %s", policy, results[policy])
    ideal = ideal_makespan()
    pack = results["alphaomega"]
    summary = {
        "makespan_ratio_vs_single": round(pack["makespan_s"] / results["single"]["makespan_s"], 3),
        "makespan_vs_ideal": round(pack["makespan_s"] / ideal, 3),
        "first_status_ms_p95": pack["first_status_ms_p95"],
        "ideal_makespan_s": round(ideal, 2),
        "goals": {
            "makespan_ratio_vs_single": 0.40,
            "makespan_vs_ideal": 1.10,
            "first_status_ms_p95": 500,
        },
        "policies": results,
        "setup": {
            "renders": RENDERS,
            "instances": INSTANCES,
            "steps": STEPS,
            "step_s": STEP_S,
            "load_s": LOAD_S,
            "decode_s": DECODE_S,
            "time_scale": TIME_SCALE,
            "python": platform.python_version(),
            "cpus": multiprocessing.cpu_count(),
        },
    }
    OUTPUT.write_text(json.dumps(summary, indent=2) + "\n")
    chart(results, ideal)
    log.info("%s", json.dumps({k: v for k, v in summary.items() if k != "policies"}, indent=2))


if __name__ == "__main__":
    main()
