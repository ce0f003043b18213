"""Pulls through Ollama simulators over HTTP: progress lines appear, a failed pull does not stop
the rest, a model already there is skipped, and ``alphaomega pull`` exits 0 only when every model
is in place."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alphaomega import runtime
from alphaomega.fleet import parse_fleet
from alphaomega.provision import (
    PlainLines,
    Use,
    Wanted,
    all_in_place,
    clients_for,
    make_plan,
    pull,
    survey,
)
from alphaomega.testing.ollama_sim import OllamaSim

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def three_sims():
    """Three empty GPUs of 24, 24 and 16 GB; downloads at 2 GB per simulated second."""
    sims = [
        OllamaSim(models=["nomic-embed-text"], vram=vram, time_scale=0.05)
        for vram in ("24GB", "24GB", "16GB")
    ]
    for sim in sims:
        sim.start()
        sim.pulls.remove("nomic-embed-text")
        sim.pulls.rate = 2 * 10**9
    try:
        yield sims
    finally:
        for sim in sims:
            sim.stop()


def fleet_of(sims) -> str:
    return ",".join(
        f"gpu{i}={sim.url};vram={vram}"
        for i, (sim, vram) in enumerate(zip(sims, ("24GB", "24GB", "16GB"), strict=True))
    )


def wanted(name: str, role: str) -> Wanted:
    return Wanted(name, role, [Use("x_pipeline", f"{role}_model")])


def test_pulls_report_every_ten_percent_and_a_failure_does_not_stop_the_rest(three_sims, pack):
    three_sims[0].pulls.fail("llava:34b", at=0.35)
    config = parse_fleet(fleet_of(three_sims))
    clients = clients_for(config)
    models = [
        wanted("llava:34b", "vision"),
        wanted("llama3.2-vision:11b", "vision"),
        wanted("qwen2.5-coder:7b", "code"),
        wanted("nomic-embed-text:latest", "embed"),
    ]
    plan = make_plan(models, runtime.call(survey(config, clients)))
    lines: list[str] = []
    outcomes = runtime.call(pull(plan, clients, PlainLines(lines.append)), timeout=120)

    states = {o.placement.model: o.track.state for o in outcomes}
    assert states == {
        "llava:34b": "failed",
        "llama3.2-vision:11b": "done",
        "qwen2.5-coder:7b": "done",
        "nomic-embed-text:latest": "done",
    }
    assert not all_in_place(plan, outcomes)
    # The others really are on their instances now, as /api/tags lists them.
    assert "llama3.2-vision:11b" in [m.name for m in three_sims[2].models]
    assert {"qwen2.5-coder:7b", "nomic-embed-text:latest"} <= {m.name for m in three_sims[1].models}
    assert "llava:34b" not in [m.name for m in three_sims[0].models]

    qwen = [line for line in lines if line.startswith("gpu1 qwen2.5-coder:7b: ")]
    assert qwen[0] == "gpu1 qwen2.5-coder:7b: pulling"
    percents = [int(m.group(1)) for line in qwen if (m := re.search(r": +(\d+) %  ", line))]
    assert percents == sorted(percents) and len(set(percents)) == len(percents)
    assert {10, 50, 90} <= set(percents)
    step = next(line for line in qwen if " 50 %" in line)
    assert re.search(r"50 %  \d\.\d GB/4\.7 GB  [\d.]+ (GB|MB)/s  ETA \d+ s$", step), step
    assert re.fullmatch(r"gpu1 qwen2\.5-coder:7b: done: 4\.7 GB in \d+ s", qwen[-1])
    failed = next(line for line in lines if line.startswith("gpu0 llava:34b: FAILED"))
    assert failed == (
        f"gpu0 llava:34b: FAILED: max retries exceeded: unexpected EOF ({three_sims[0].url})"
    )
    llava = [line for line in lines if line.startswith("gpu0 llava:34b: ") and " %" in line]
    assert [line.split(":")[2].split("%")[0].strip() for line in llava] == ["10", "20", "30"]


def test_a_model_another_instance_just_pulled_onto_shared_storage_is_skipped(three_sims, pack):
    config = parse_fleet(fleet_of(three_sims))
    clients = clients_for(config)
    plan = make_plan([wanted("llama3.1:8b", "general")], runtime.call(survey(config, clients)))
    [placement] = plan.to_pull
    target = three_sims[int(placement.target[-1])]
    target.pulls.offer("llama3.1:8b")
    target.engine.models["llama3.1:8b"] = target.pulls.registry["llama3.1:8b"]
    lines: list[str] = []
    [outcome] = runtime.call(pull(plan, clients, PlainLines(lines.append)), timeout=60)
    assert outcome.track.state == "present"
    assert lines == [f"{placement.target} llama3.1:8b: already there"]
    assert target.pulls.requests == []


def run_cli(*args: str, fleet: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ALPHAOMEGA_FLEET": fleet,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("ALPHAOMEGA_FLEET_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "alphaomega.cli", "pull", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_the_pull_command_exits_1_until_every_model_is_in_place(three_sims, tmp_path):
    three_sims[2].pulls.fail("llama3.2-vision:11b", at=0.5, count=1)
    fleet = fleet_of(three_sims)

    planned = run_cli("--plan", fleet=fleet, data_dir=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert "7 model(s) to pull" in planned.stdout
    assert "llama3.2-vision:11b: does not fit gpu0 (24.0 GB) beside llava:34b; placed on gpu2" in (
        planned.stdout
    )
    assert all(sim.pulls.requests == [] for sim in three_sims)  # --plan pulls nothing

    first = run_cli(fleet=fleet, data_dir=tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "gpu2 llama3.2-vision:11b: FAILED: max retries exceeded" in first.stdout
    assert "gpu0 llava:34b: done: 20.2 GB in " in first.stdout
    assert "gpu1 nomic-embed-text:latest: done" in first.stdout
    assert first.stdout.rstrip().endswith("(what is in place is skipped).")
    assert "\x1b[" not in first.stdout  # not a terminal: plain lines

    second = run_cli(fleet=fleet, data_dir=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 model(s) to pull (7.9 GB)" in second.stdout
    assert "gpu2 llama3.2-vision:11b: done" in second.stdout
    assert second.stdout.rstrip().endswith("Every model is in place.")
    assert three_sims[0].pulls.requests == ["llava:34b"]  # pulled once, skipped after


def test_the_pull_command_says_when_the_fleet_is_down(tmp_path):
    from alphaomega.testing import free_port

    result = run_cli(fleet=f"gpu0=http://127.0.0.1:{free_port()}", data_dir=tmp_path)
    assert result.returncode == 1
    assert "DOWN" in result.stdout
    assert "no Ollama instance is up to pull it onto" in result.stdout
