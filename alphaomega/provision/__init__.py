"""Models where they belong: the Ollama models the plugins' valves name, placed on the fleet's
GPUs (one role per GPU when it fits) and pulled with progress (``alphaomega pull``)."""

from ._inventory import Use, Wanted, inventory, normalize
from ._plan import Placement, Plan, Target, estimated_size, make_plan
from ._progress import PlainLines, TerminalBars, Track
from ._pull import Outcome, all_in_place, clients_for, plan_for, pull, survey
from ._render import render_plan
from ._startup import Ready, ready_block
from ._status import PluginStatus, missing_models, plugin_status, plugin_statuses

__all__ = [
    "Outcome",
    "Placement",
    "PluginStatus",
    "Ready",
    "PlainLines",
    "Plan",
    "Target",
    "TerminalBars",
    "Track",
    "Use",
    "Wanted",
    "all_in_place",
    "clients_for",
    "estimated_size",
    "inventory",
    "make_plan",
    "missing_models",
    "normalize",
    "plan_for",
    "plugin_status",
    "plugin_statuses",
    "pull",
    "ready_block",
    "render_plan",
    "survey",
]
