"""Every plugin's valves, as the Pipelines server shows them, stay what they were.

``GET /{id}/valves/spec`` returns ``valves.schema()`` and ``GET /{id}/valves`` the values; the
admin panel draws its form from both. ``tests/data/valves_spec.json`` pins them per plugin file:
field names in order, types, bounds, defaults, descriptions, the valve guard's marks.

Regenerate (only for a deliberate change of a valve): ``python3 -m tests.test_valves_spec``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.plugin_files import load_filter

ROOT = Path(__file__).resolve().parent.parent
PINNED = ROOT / "tests" / "data" / "valves_spec.json"
PLUGINS = sorted(p for d in ("pipelines", "filters") for p in (ROOT / d).glob("*.py"))
# Defaults read from the machine (the environment, an installed model package), not the code.
MACHINE_DEFAULTS = {"filters/memory_filter.py": ("qdrant_url", "local_model_path")}
ENV_READ_BY_DEFAULTS = ("ALPHAOMEGA_QDRANT_URL",)


def _load(path: Path) -> Any:
    return load_filter(path)


def valves_as_served(path: Path) -> dict[str, Any]:
    """What the server answers for this plugin: its valves spec and its default values."""
    valves = _load(path).valves
    values = valves.model_dump(mode="json")
    for name in MACHINE_DEFAULTS.get(path.relative_to(ROOT).as_posix(), ()):
        values[name] = "<machine>"
    return {"spec": valves.model_json_schema(), "values": values}  # what .schema() gives


def current() -> dict[str, Any]:
    return {p.relative_to(ROOT).as_posix(): valves_as_served(p) for p in PLUGINS}


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV_READ_BY_DEFAULTS:
        monkeypatch.delenv(name, raising=False)


def test_every_plugin_is_pinned():
    pinned = json.loads(PINNED.read_text())
    assert sorted(pinned) == [p.relative_to(ROOT).as_posix() for p in PLUGINS]


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_valves_spec_is_unchanged(path, clean_env):
    pinned = json.loads(PINNED.read_text())[path.relative_to(ROOT).as_posix()]
    served = valves_as_served(path)
    # Field order is the admin form's order.
    assert list(served["spec"]["properties"]) == list(pinned["spec"]["properties"])
    assert list(served["values"]) == list(pinned["values"])
    for name, field in pinned["spec"]["properties"].items():
        assert served["spec"]["properties"][name] == field, name
    assert served == pinned


if __name__ == "__main__":
    for name in ENV_READ_BY_DEFAULTS:
        os.environ.pop(name, None)
    PINNED.write_text(json.dumps(current(), indent=1, ensure_ascii=False) + "\n")
    sys.exit(0)
