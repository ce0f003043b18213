"""Which Ollama models the pack's plugins need: every valve named ``model``, ``models``,
``*_model`` or ``*_models``, as the plugin files declare them and the server has stored them.

The plugin files are executed as modules (their ``Pipeline`` is never made: nothing attaches to
a server); the values stored by the Pipelines server (``<pipelines dir>/<file stem>/valves.json``)
win over the defaults. A model valve only counts while the valve that switches it on says so
(``data/layout.json``, ``gates``: memory's ``embed_model`` with the ``ollama`` embedder, its
``infer_model`` with ``infer`` on, Agent-S's ``grounding_model`` with its planner); the
others are listed as not needed now.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MODEL_FIELD = re.compile(r"^(?:(?P<role>[a-z0-9]+(?:_[a-z0-9]+)*)_)?models?$")
NOT_OLLAMA = re.compile(r"(\.(safetensors|ckpt|pt|pth|bin|gguf|onnx)$)|^\w+://|^/")
PLUGIN_FOLDERS = ("pipelines", "filters")


@cache
def layout() -> dict[str, Any]:
    """``data/layout.json``: the role groups, one per GPU in order, and the valves' gates."""
    return json.loads(resources.files(__package__).joinpath("data/layout.json").read_text())


def normalize(name: str) -> str:
    """Ollama's short form: ``llava`` is ``llava:latest``."""
    name = name.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


@dataclass(frozen=True)
class Use:
    plugin: str  # the plugin file's stem, e.g. "vision_pipeline"
    valve: str  # e.g. "models"

    def __str__(self) -> str:
        return f"{self.plugin}.{self.valve}"


@dataclass
class Wanted:
    """One model some valve names."""

    name: str
    role: str
    uses: list[Use] = field(default_factory=list)
    unused_because: str = ""  # set when no valve that names it is switched on

    @property
    def needed(self) -> bool:
        return not self.unused_because


def plugin_role(stem: str) -> str:
    """``vision_pipeline`` -> ``vision``, ``memory_filter`` -> ``memory``."""
    return re.sub(r"_(pipeline|filter|tool)$", "", stem)


def model_values(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    names = [str(item).strip() for item in items if isinstance(item, str) and item.strip()]
    return [name for name in names if not NOT_OLLAMA.search(name)]


def gate_reason(valve: str, values: dict[str, Any]) -> str:
    """Why the valve's model is not needed with these values ('' when it is)."""
    gate = layout()["gates"].get(valve)
    if not gate or gate["field"] not in values:
        return ""
    return "" if values[gate["field"]] == gate["equals"] else gate["why"]


def models_in(stem: str, values: dict[str, Any]) -> list[tuple[str, str, Use, str]]:
    """(model, role, use, unused_because) for each model valve among ``values``."""
    found = []
    for valve, value in values.items():
        match = MODEL_FIELD.match(valve)
        if not match:
            continue
        role = match.group("role") or plugin_role(stem)
        for name in model_values(value):
            found.append((normalize(name), role, Use(stem, valve), gate_reason(valve, values)))
    return found


def plugin_files(root: Path) -> list[Path]:
    return [
        path
        for folder in PLUGIN_FOLDERS
        for path in sorted((root / folder).glob("*.py"))
        if not path.name.startswith("_")
    ]


def plugin_values(path: Path, pipelines_dir: Path | None) -> dict[str, Any]:
    """The plugin's valve values: its ``Valves`` defaults, then what the server stored."""
    name = f"_alphaomega_inventory_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    valves = getattr(getattr(module, "Pipeline", None), "Valves", None)
    values: dict[str, Any] = valves().model_dump() if valves is not None else {}
    stored = pipelines_dir / path.stem / "valves.json" if pipelines_dir else None
    if stored is not None and stored.is_file():
        try:
            values.update(json.loads(stored.read_text()) or {})
        except (OSError, ValueError) as exc:
            log.warning("%s is not readable JSON (%s): its defaults are used", stored, exc)
    return values


def inventory(root: Path, pipelines_dir: Path | None = None) -> list[Wanted]:
    """Every model the plugins under ``root`` name, with the valves naming it."""
    by_name: dict[str, Wanted] = {}
    reasons: dict[str, set[str]] = {}
    for path in plugin_files(root):
        for name, role, use, unused in models_in(path.stem, plugin_values(path, pipelines_dir)):
            wanted = by_name.setdefault(name, Wanted(name, role))
            wanted.uses.append(use)
            reasons.setdefault(name, set()).add(unused)
    for name, wanted in by_name.items():
        if "" not in reasons[name]:  # needed as soon as one valve naming it is on
            wanted.unused_because = "; ".join(sorted(reasons[name]))
    return list(by_name.values())
