"""``alphaomega agent-host`` in a subprocess on a virtual display, started as a person starts it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .desktop import VirtualDisplay
from .pipelines_server import free_port, stop_process

READY_TIMEOUT_S = 60.0


class AgentHostProcess:
    """``with AgentHostProcess(display, data_dir, token) as host: host.client.get(...)``."""

    def __init__(
        self,
        display: VirtualDisplay,
        data_dir: Path,
        token: str | None,
        *,
        port: int | None = None,
        actions_per_minute: int = 600,
    ) -> None:
        self.display = display
        self.data_dir = Path(data_dir)
        self.token = token
        self.port = port or free_port()
        self.actions_per_minute = actions_per_minute
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / "agent-host.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit" / "agent.jsonl"

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60.0)

    def start(self) -> AgentHostProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.display.env}
        env.pop("ALPHAOMEGA_AGENT_TOKEN", None)
        if self.token:
            env["ALPHAOMEGA_AGENT_TOKEN"] = self.token
        args = [sys.executable, "-m", "alphaomega", "agent-host", "--port", str(self.port)]
        args += ["--data-dir", str(self.data_dir)]
        args += ["--actions-per-minute", str(self.actions_per_minute)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the agent host exited:\n{self.log()}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the agent host was not ready:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def stop(self) -> None:
        stop_process(self.process, wait_s=15)
        self.process = None

    def __enter__(self) -> AgentHostProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
