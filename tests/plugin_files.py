"""Test equipment every area shares: the plugin files loaded as the Pipelines server loads them,
and the bodies Open WebUI 0.12.4 really posted to a filter (recorded, kept in tests/data/)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def load_plugin_module(path: str | Path) -> ModuleType:
    """A plugin file (``filters/x.py`` or a path) executed as a fresh module, as the server does."""
    path = Path(path)
    if not path.is_absolute():
        path = ROOT / path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_filter(path: str | Path) -> Any:
    """The plugin's ``Pipeline()``, made the way the server makes it on load."""
    return load_plugin_module(path).Pipeline()


def owu_fixture(direction: str) -> dict[str, Any]:
    """``{"user": ..., "body": ...}`` as Open WebUI 0.12.4 posted it to a filter's inlet/outlet."""
    return json.loads((DATA / f"owu-0.12.4-filter-{direction}.json").read_text())
