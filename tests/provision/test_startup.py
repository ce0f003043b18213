"""A real ``alphaomega serve`` prints, once every plugin has loaded and last, one block: the URLs,
the absolute key file and the command that prints it, the fleet, each plugin on or off and why.
Dependency noise and the tracing-off line stay out at the default log level; debug shows them."""

from __future__ import annotations

import contextlib
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from alphaomega.provision import PluginStatus, Ready, ready_block
from alphaomega.testing import free_port
from alphaomega.testing.ollama_sim import OllamaSim

ROOT = Path(__file__).resolve().parents[2]
RULE = "─" * 72
FAILS_TO_START = """
class Pipeline:
    def __init__(self):
        self.name = "Fails to start"

    async def on_startup(self):
        raise RuntimeError("its database is unreachable")
"""


def environment(fleet: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LANGFUSE_", "PIPELINES_API_KEY", "ALPHAOMEGA_"))
    }
    env["ALPHAOMEGA_FLEET"] = fleet
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return env


class Serve:
    """``alphaomega serve`` in a child process, its output read line by line."""

    def __init__(self, data_dir: Path, cwd: Path, fleet: str, *options: str) -> None:
        self.port = free_port()
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "alphaomega", *options, "serve"]
            + ["--data-dir", str(data_dir), "--port", str(self.port)],
            cwd=cwd,
            env=environment(fleet),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def until_block_ends(self, timeout_s: float = 180.0) -> list[str]:
        deadline = time.monotonic() + timeout_s
        seen_start = False
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1.0)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if line.startswith("AlphaOmega is ready"):
                seen_start = True
            elif seen_start and line == RULE:
                return self.output
        raise AssertionError("no start-up block:\n" + "\n".join(self.output))

    def more_output(self, wait_s: float) -> list[str]:
        """What else it prints within ``wait_s`` (start-up is over: nothing is expected)."""
        extra = []
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                extra.append(self.lines.get(timeout=0.2))
        return extra

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture(scope="module")
def rig_sim():
    """An Ollama with the embedder and some of the defaults: codellama and the small vision
    model are missing."""
    models = ["qwen2.5-coder:7b", "llava:34b", "llama3.1:8b", "nomic-embed-text"]
    with OllamaSim(models=models, vram="48GB", time_scale=0.01) as sim:
        yield sim


def block_of(output: list[str]) -> list[str]:
    start = max(i for i, line in enumerate(output) if line.startswith("AlphaOmega is ready"))
    return output[start - 1 :]


def test_the_block_comes_last_with_absolute_paths_and_each_plugin(rig_sim, tmp_path):
    data_dir = tmp_path / "rig data"
    (data_dir / "pipelines").mkdir(parents=True)
    (data_dir / "pipelines" / "fails_to_start.py").write_text(FAILS_TO_START)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    serve = Serve(Path("..") / "rig data", elsewhere, rig_sim.url)  # a relative --data-dir
    try:
        output = serve.until_block_ends()
        later = serve.more_output(3.0)
        block = block_of(output)
        key_file = data_dir.resolve() / "pipelines_api_key"
        key = key_file.read_text().strip()

        # Printed once the plugins have loaded, and nothing after it.
        loaded = next(i for i, line in enumerate(output) if "plugins serving:" in line)
        assert loaded < output.index(block[0])
        assert later == []
        text = "\n".join(block)
        assert f"  From this machine  http://127.0.0.1:{serve.port}" in text
        assert f"http://pipelines:{serve.port} (Open WebUI on the compose network)" in text
        assert "needs --host 0.0.0.0" in text  # it binds to loopback by default
        assert f"  API key            in {key_file}" in text
        command = f"alphaomega key --data-dir '{data_dir.resolve()}'"  # quoted: it has a space
        assert f"print it with `{command}`" in text
        assert key not in "\n".join(output)  # the key itself is never printed
        assert "  Fleet              1/1 instance(s) up" in text
        rows = {line.split()[0]: line.split(None, 1)[1] for line in block[9:-1]}
        assert set(rows) == {
            "agent",
            "auto",
            "code",
            "factory",
            "image",
            "screen",
            "vision",
            "memory",
            "langfuse",
            "routing",
            "safety",
            "fails_to_start",
        }
        on = sum(not row.startswith("off") for row in rows.values())
        assert block[1] == f"AlphaOmega is ready: {on} of {len(rows)} plugin(s) on"
        assert rows["code"] == "on: codellama:13b (models) not on the fleet: run `alphaomega pull`"
        assert rows["vision"] == (
            "on: llama3.2-vision:11b (models) not on the fleet: run `alphaomega pull`"
        )
        assert rows["memory"] == rows["safety"] == "on" and rows["auto"].startswith("on")
        assert rows["langfuse"].startswith("off: no Langfuse keys")
        assert rows["fails_to_start"].startswith("off: failed to start; moved to failed/")

        # The command it names prints the key from any folder, and the key opens the server.
        printed = subprocess.run(
            [sys.executable, "-m", "alphaomega", *shlex.split(command)[1:]],
            cwd=tmp_path,
            env=environment(rig_sim.url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert printed.returncode == 0 and printed.stdout.strip() == key
        answer = httpx.get(
            f"http://127.0.0.1:{serve.port}/v1/models",
            headers={"Authorization": f"Bearer {printed.stdout.strip()}"},
            timeout=30,
        )
        assert answer.status_code == 200

        # Default level: no dependency chatter, no uvicorn lines, no tracing-off warning.
        everything = "\n".join(output)
        assert "Langfuse tracing is off" not in everything
        assert "Uvicorn running" not in everything and "Started server process" not in everything
        assert "mem0" not in everything
    finally:
        serve.stop()


def test_debug_shows_what_the_default_level_keeps_quiet(rig_sim, tmp_path):
    serve = Serve(tmp_path / "data", tmp_path, rig_sim.url, "--log-level", "debug")
    try:
        output = serve.until_block_ends()
    finally:
        serve.stop()
    everything = "\n".join(output)
    assert "DEBUG alphaomega.tracing._hooks: Langfuse tracing is off" in everything
    assert "Uvicorn running on" in everything
    assert block_of(output)[1].startswith("AlphaOmega is ready")


def test_the_block_for_a_key_from_the_environment_and_a_fleet_that_is_down(tmp_path):
    ready = Ready(
        host="0.0.0.0",
        port=9099,
        data_dir=tmp_path,
        key_file=None,
        statuses=[PluginStatus("code", True), PluginStatus("langfuse", False, "no keys")],
        fleet_up=1,
        fleet_urls=["http://ollama-gpu1:11434"],
        fleet_total=2,
    )
    lines = ready_block(ready).splitlines()
    assert lines[1] == "AlphaOmega is ready: 1 of 2 plugin(s) on"
    assert "  From this machine  http://127.0.0.1:9099" in lines
    assert "http://host.docker.internal:9099 (Open WebUI in Docker on this machine)" in lines[4]
    assert (
        f"the PIPELINES_API_KEY you set (`alphaomega key --data-dir {tmp_path}` prints it)"
        in (lines[5])
    )
    assert lines[6] == (
        "  Fleet              1/2 instance(s) up; not answering: http://ollama-gpu1:11434 "
        "(start them or set ALPHAOMEGA_FLEET; `alphaomega doctor` says more)"
    )
    assert lines[-3:-1] == ["  code      on", "  langfuse  off: no keys"]


def test_a_plugin_whose_backend_is_unavailable_says_why():
    from types import SimpleNamespace

    from alphaomega.provision import plugin_status

    service = SimpleNamespace(state="unavailable", reason="Qdrant at http://qdrant:6333 refused")
    memory = SimpleNamespace(valves=None, hooks=SimpleNamespace(service=service))
    status = plugin_status("memory_filter", memory, {"nomic-embed-text:latest"})
    assert status.line(6) == (
        "memory  on: its backend is not there yet (Qdrant at http://qdrant:6333 refused)"
    )
    service.state = "ready"
    assert plugin_status("memory_filter", memory, None).line(6) == "memory  on"
