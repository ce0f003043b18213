"""What is in place and what to do about what is not: the models the loaded plugins' valves name
against what the fleet has, and each plugin on or off with the reason (no I/O here; the fleet's
catalogue comes in as a set of names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._inventory import models_in, normalize, plugin_role

PULL_ADVICE = "run `alphaomega pull`"
NO_TRACING_KEYS = (
    "no Langfuse keys, chats go untraced "
    "(set LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY, or its valves)"
)
FAILED_TO_START = "failed to start; moved to failed/ (its error is in the log above)"


@dataclass(frozen=True)
class PluginStatus:
    name: str  # the plugin's file without _pipeline/_filter: "memory", "code"
    on: bool
    why: str = ""  # off: the reason; on: what is missing, if anything

    def line(self, width: int) -> str:
        state = "on" if self.on else "off"
        return f"{self.name.ljust(width)}  {state}" + (f": {self.why}" if self.why else "")


def missing_models(stem: str, values: dict[str, Any], fleet_models: set[str]) -> list[str]:
    """The models this plugin's switched-on model valves name that no instance has, each as
    ``model (valve)``."""
    have = {normalize(name) for name in fleet_models}
    missing: dict[str, list[str]] = {}
    for name, _role, use, unused in models_in(stem, values):
        if not unused and name not in have:
            missing.setdefault(name, []).append(use.valve)
    return [f"{name} ({', '.join(valves)})" for name, valves in missing.items()]


def _valves(plugin: Any) -> dict[str, Any]:
    valves = getattr(plugin, "valves", None)
    try:
        return valves.model_dump() if valves is not None else {}
    except Exception:  # noqa: BLE001 - a plugin of someone else's: its valves are its own
        return {}


def plugin_status(stem: str, plugin: Any, fleet_models: set[str] | None) -> PluginStatus:
    """On or off and why, for one loaded plugin. ``fleet_models`` None: the fleet is down and
    says so on a line of its own."""
    name = plugin_role(stem)  # "memory", "code": short, as the admin panel's ids read
    tracing = getattr(plugin, "tracing", None)
    if tracing is not None and getattr(tracing, "tracer", True) is None:
        return PluginStatus(name, False, NO_TRACING_KEYS)
    missing = missing_models(stem, _valves(plugin), fleet_models) if fleet_models else []
    if missing:
        return PluginStatus(name, True, f"{', '.join(missing)} not on the fleet: {PULL_ADVICE}")
    service = getattr(getattr(plugin, "hooks", None), "service", None)  # memory's backend
    if getattr(service, "state", "") in ("missing", "unavailable"):
        return PluginStatus(name, True, f"its backend is not there yet ({service.reason})")
    return PluginStatus(name, True)


def plugin_statuses(
    modules: dict[str, Any], stems: dict[str, str], failed: list[str], fleet_models: set[str] | None
) -> list[PluginStatus]:
    """Every plugin the server loaded (``modules``: id -> plugin, ``stems``: id -> file stem),
    then every file it set aside at this start."""
    statuses = [
        plugin_status(stems.get(plugin_id, plugin_id), plugin, fleet_models)
        for plugin_id, plugin in sorted(modules.items())
    ]
    statuses += [PluginStatus(plugin_role(stem), False, FAILED_TO_START) for stem in failed]
    return statuses
