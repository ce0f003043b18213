"""Tools are run the way Open WebUI runs them: in its own Python, loaded by its loader, their
specs built by its code from each method's signature and docstring."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from alphaomega.distribution import bundle, source_root

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("ALPHAOMEGA_CACHE") or Path.home() / ".cache" / "alphaomega")
OWU_PYTHON = CACHE / "owu-venv" / "bin" / "python"
DRIVER = Path(__file__).with_name("owu_tool_driver.py")


@pytest.fixture(scope="session")
def functions_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("functions-bundle")
    bundle("functions", out, root=source_root(), wheel=False)
    return out


@pytest.fixture(scope="session")
def run_in_open_webui(tmp_path_factory):
    if not OWU_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Open WebUI is not installed ({OWU_PYTHON}): bash tests/e2e/install.sh")
        pytest.skip("Open WebUI is not installed: bash tests/e2e/install.sh")
    data = tmp_path_factory.mktemp("owu-data")

    def run(job: dict, env: dict[str, str] | None = None) -> dict:
        environment = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            "DATA_DIR": str(data),
            "WEBUI_SECRET_KEY": "tools-test-secret-not-used-elsewhere",
            "OFFLINE_MODE": "true",
            "FROM_INIT_PY": "true",  # as `open-webui serve` sets it: its static files
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        done = subprocess.run(
            [str(OWU_PYTHON), str(DRIVER)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=600,
            env=environment,
            cwd=data,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run


def load_tools(path: Path):
    """A Tools file's ``Tools()`` in this process, as Open WebUI's loader makes it."""
    from tests.plugin_files import load_plugin_module

    return load_plugin_module(path).Tools()


def spec_named(specs: list[dict], name: str) -> dict:
    return next(s for s in specs if s["name"] == name)
