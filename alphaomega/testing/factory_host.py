"""The factory host in a subprocess (``alphaomega factory-host``), as a person starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from .pipelines_server import free_port, stop_process

READY_TIMEOUT_S = 60.0


class FactoryHostProcess:
    """``with FactoryHostProcess(data_dir) as host: host.client.get(...)`` (token sent)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        token: str = "factory-test-token",
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.token = token
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.client = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(60.0),
            headers={"Authorization": f"Bearer {token}"},
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "host.log"

    def start(self) -> FactoryHostProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "ALPHAOMEGA_FACTORY_TOKEN": self.token, **self.extra_env}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "alphaomega", "factory-host", "--data-dir",
                 str(self.data_dir), "--port", str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the factory host exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the factory host was not ready:\n{self.log()}")

    def stop(self, *, kill: bool = False) -> None:
        """Stop it: SIGINT (a clean stop), or SIGKILL with ``kill`` (a crash)."""
        stop_process(self.process, wait_s=20, sig=signal.SIGKILL if kill else signal.SIGINT)
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-8000:]
        except OSError:
            return ""

    def wait_for(self, workflow_id: str, timeout_s: float = 300.0) -> dict[str, Any]:
        """The workflow once it is no longer running."""
        deadline = time.monotonic() + timeout_s
        while True:
            view = self.client.get(f"/api/v1/factory/workflow/{workflow_id}").json()
            if view["status"] != "running":
                return view
            if time.monotonic() > deadline:
                raise TimeoutError(f"workflow {workflow_id} still running:\n{self.log()}")
            time.sleep(0.2)

    def __enter__(self) -> FactoryHostProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.client.close()
