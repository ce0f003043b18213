"""The real Pipelines server with the pack's plugins, in a subprocess, for tests and benchmarks.

It starts exactly as a person starts it (``alphaomega serve``), so what tests see is what
people get. Every route but ``/`` asks for the API key, so ``client`` sends it, as Open WebUI
does; a test of the door itself makes a client of its own without it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

READY_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(
    process: subprocess.Popen | None, *, wait_s: float, sig: int = signal.SIGINT
) -> None:
    """Stop a child the test equipment started: ``sig`` (SIGINT, a clean stop), then a kill
    when it has not gone after ``wait_s`` seconds. A process that already ended is left as is."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class PipelinesServer:
    """``with PipelinesServer(data_dir, env={...}) as server: server.client.get(...)``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        env: dict[str, str] | None = None,
        port: int | None = None,
        api_key: str = "test-key-not-secret",
        log_path: Path | None = None,
        log_level: str = "WARNING",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.api_key = api_key
        self.extra_env = dict(env or {})
        self.log_path = log_path or self.data_dir / "server.log"
        self.log_level = log_level
        self.process: subprocess.Popen[bytes] | None = None
        self.client = httpx.Client(
            base_url=self.url, timeout=httpx.Timeout(60.0), headers=self.auth
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def start(self) -> PipelinesServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PIPELINES_API_KEY": self.api_key, **self.extra_env}
        env.setdefault("ALPHAOMEGA_LOG_LEVEL", "warning")
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process for its lifetime
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "alphaomega",
                "--log-level",
                self.log_level,
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the Pipelines server exited:\n{self.log()}")
            try:
                if self.client.get("/", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"the Pipelines server was not ready in {READY_TIMEOUT_S} s:\n{self.log()}"
        )

    def stop(self) -> None:
        stop_process(self.process, wait_s=15)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-8000:]
        except OSError:
            return ""

    def __enter__(self) -> PipelinesServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.client.close()

    # -- what Open WebUI does ------------------------------------------------------------------

    def models(self) -> list[dict[str, Any]]:
        response = self.client.get("/v1/models", headers=self.auth)
        response.raise_for_status()
        return response.json()["data"]

    def chat(self, model: str, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        body = {"model": model, "messages": messages, "stream": False, **extra}
        response = self.client.post("/v1/chat/completions", json=body)
        response.raise_for_status()
        return response.json()

    def stream(self, model: str, messages: list[dict[str, Any]], **extra: Any) -> list[Any]:
        """Every SSE ``data:`` payload of a streamed chat, JSON-decoded (``[DONE]`` kept as is)."""
        import json

        body = {"model": model, "messages": messages, "stream": True, **extra}
        payloads: list[Any] = []
        with self.client.stream("POST", "/v1/chat/completions", json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                payloads.append(data if data == "[DONE]" else json.loads(data))
        return payloads

    def inlet(self, filter_id: str, body: dict[str, Any], user: dict[str, Any]) -> httpx.Response:
        return self.client.post(f"/{filter_id}/filter/inlet", json={"body": body, "user": user})

    def outlet(self, filter_id: str, body: dict[str, Any], user: dict[str, Any]) -> httpx.Response:
        return self.client.post(f"/{filter_id}/filter/outlet", json={"body": body, "user": user})


def streamed_text(payloads: list[Any]) -> str:
    """The reply text of a streamed chat's payloads."""
    return "".join(
        (choice.get("delta") or {}).get("content") or ""
        for p in payloads
        if isinstance(p, dict)
        for choice in p.get("choices") or []
    )


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux), for benchmarks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
