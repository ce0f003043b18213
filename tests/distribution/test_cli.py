"""The distribution commands as a person types them."""

import json
import os
import subprocess
import sys
from pathlib import Path

from alphaomega.distribution import discover

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alphaomega", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_bundle_writes_every_plugin_and_says_so(tmp_path):
    done = _cli("bundle", "--target", "functions", "--out", str(tmp_path), "--no-wheel")
    assert done.returncode == 0, done.stderr
    plugins = discover(ROOT)
    for plugin in plugins:
        assert (tmp_path / plugin.path.name).is_file()
        assert f"{plugin.path.name}: " in done.stdout
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["target"] == "functions" and len(manifest["files"]) == len(plugins)
    assert not (tmp_path / "wheels").exists()


def test_bundle_refuses_an_unknown_target(tmp_path):
    done = _cli("bundle", "--target", "lambda", "--out", str(tmp_path))
    assert done.returncode == 2 and "lambda" in done.stderr


def test_install_without_a_reachable_open_webui_is_a_readable_error(tmp_path):
    _cli("bundle", "--target", "functions", "--out", str(tmp_path), "--no-wheel")
    done = _cli(
        "install", "--openwebui", "http://127.0.0.1:9", "--api-key", "k", "--bundle", str(tmp_path)
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr
