"""``alphaomega bundle``: plugin files for a target, the pack's wheel, and a manifest.

``--target pipelines``: every file of ``pipelines/`` and ``filters/``, ready to upload into a
stock Pipelines server. ``--target functions``: the same models and filters as Open WebUI
Functions, and ``tools/`` as Open WebUI Tools. Both write ``wheels/`` (the pack's wheel) and
``manifest.json`` (what each file is, for ``alphaomega upload`` and ``alphaomega install``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import __version__
from ..errors import ConfigError
from ._plugins import PACKAGE, PluginFile, discover
from ._wrap import render

TARGETS = ("pipelines", "functions")
MANIFEST = "manifest.json"
WHEEL_DIR = "wheels"


@dataclass(frozen=True)
class BundledFile:
    """One written file, as the manifest records it."""

    file: str
    kind: str  # pipeline, filter, function or tool
    id: str
    name: str
    type: str
    requirement: str


def source_root() -> Path:
    """The checkout the pack runs from (its plugin folders and ``pyproject.toml``)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise ConfigError(
            f"the pack at {root} is not a source checkout: pass --source with one "
            "(it needs pyproject.toml, pipelines/, filters/ and tools/)"
        )
    return root


def bundle(
    target: str, out: Path, *, root: Path | None = None, wheel: bool = True
) -> list[BundledFile]:
    """Write the bundle for ``target`` into ``out``; returns what it wrote."""
    if target not in TARGETS:
        raise ConfigError(f"--target is one of {', '.join(TARGETS)}, not {target!r}")
    root = root or source_root()
    plugins = [p for p in discover(root) if target == "functions" or p.folder != "tools"]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for plugin in plugins:
        text = render(plugin, target, __version__)
        (out / plugin.path.name).write_text(text, "utf-8")
        written.append(_entry(plugin, target))
    if wheel:
        build_wheel(root, out / WHEEL_DIR)
    manifest = {
        "target": target,
        "version": __version__,
        "files": [asdict(f) for f in written],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return written


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{folder} is not a bundle (no readable {MANIFEST}): run `alphaomega bundle` first"
        ) from exc


def build_wheel(root: Path, dest: Path) -> Path:
    """The pack's wheel, built offline from a copy of the checkout (the checkout stays clean)."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob(f"{PACKAGE}-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="alphaomega-wheel-") as tmp:
        copy = Path(tmp) / "src"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        shutil.copytree(root / PACKAGE, copy / PACKAGE, ignore=ignore)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, copy / name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        done = subprocess.run(
            [*command, "--disable-pip-version-check", "-q", "-w", str(dest), str(copy)],
            capture_output=True,
            text=True,
            check=False,
        )
    wheels = sorted(dest.glob(f"{PACKAGE}-{__version__}-*.whl"))
    if done.returncode != 0 or not wheels:
        raise ConfigError(f"building the pack's wheel failed:\n{done.stderr[-2000:]}")
    return wheels[0]


def _entry(plugin: PluginFile, target: str) -> BundledFile:
    if plugin.folder == "tools":
        kind = "tool"
    elif target == "functions":
        kind = "function"
    else:
        kind = "filter" if plugin.plugin_type == "filter" else "pipeline"
    return BundledFile(
        file=plugin.path.name,
        kind=kind,
        id=plugin.plugin_id,
        name=plugin.title,
        type=plugin.plugin_type,
        requirement=plugin.requirements(__version__),
    )
