"""requirements.txt lists what a Pipelines server needs: pyproject's dependencies plus the
extras the plugins import (vision, memory, tracing), nothing more, nothing less."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_EXTRAS = ("vision", "memory", "tracing")


def normalized(requirement: str) -> str:
    return "".join(requirement.split()).replace('"', "'").lower()


def test_requirements_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in PLUGIN_EXTRAS:
        wanted += project["optional-dependencies"][extra]
    listed = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert sorted(map(normalized, listed)) == sorted(map(normalized, wanted))


def test_the_image_and_the_start_command_install_the_same_extras():
    readme = (ROOT / "README.md").read_text()
    dockerfile = (ROOT / "docker" / "Dockerfile.pipelines").read_text()
    for extra in PLUGIN_EXTRAS:
        assert extra in readme.split("alphaomega serve", 1)[0].splitlines()[-1]
        assert f"{extra}" in next(line for line in dockerfile.splitlines() if "pip install" in line)
