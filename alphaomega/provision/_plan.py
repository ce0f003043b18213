"""Where each model the valves name goes: the placement plan (pure logic, no I/O).

The seed rig's layout, one role per GPU (``data/layout.json``: vision on the first, reasoning and
code on the second, image generation on the third, …), is kept while each model fits its role's
GPU beside the models already planned there. A model that does not is placed by the fleet
scheduler's own ranking (``fleet.rank``: the instance where loading it evicts nothing hot,
then the least costly one), and the plan says so. A model larger than every GPU is not placed.
Sizes: what an instance lists when it has the model, else the Ollama library's size
(``data/model_sizes.json``), else a guess from a parameter count in the name (``:14b``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ..fleet import Candidate, Resident, assess, rank
from ._inventory import Wanted, layout

GB = 10**9
BYTES_PER_BILLION = 0.6 * GB  # a 4-bit quantization with its overhead
LOAD_BYTES_PER_S = 2e9  # only orders the eviction costs the scheduler weighs
_PARAMS = re.compile(r"[:\-_](\d+(?:\.\d+)?)([bm])\b", re.IGNORECASE)


@cache
def library_sizes() -> dict[str, int]:
    return json.loads(resources.files(__package__).joinpath("data/model_sizes.json").read_text())


def estimated_size(name: str) -> int:
    """Bytes on disk and in VRAM, as far as known without pulling; 0 when unknown."""
    known = library_sizes().get(name)
    if known:
        return known
    match = _PARAMS.search(name)
    if not match:
        return 0
    billions = float(match.group(1)) / (1000 if match.group(2).lower() == "m" else 1)
    return int(billions * BYTES_PER_BILLION)


@dataclass
class Target:
    """An Ollama instance as the planner sees it."""

    name: str
    url: str
    vram: int = 0  # 0: unknown
    up: bool = True
    models: dict[str, int] = field(default_factory=dict)  # what it has: name -> size
    pulls: bool = True  # False: an OpenAI-compatible server; its pinned models count, no pulls


@dataclass
class Placement:
    model: str
    size: int
    role: str
    uses: list[str]
    target: str = ""  # the instance it goes to (or is on)
    present: bool = False  # already there: nothing to pull
    note: str = ""  # why it is not where the layout puts it, or why it is not placed

    @property
    def placed(self) -> bool:
        return bool(self.target)


@dataclass
class Plan:
    targets: list[Target]
    placements: list[Placement]
    unused: list[Wanted]
    role_targets: dict[str, str]  # role -> the instance the layout gives it

    @property
    def to_pull(self) -> list[Placement]:
        return [p for p in self.placements if p.placed and not p.present]

    @property
    def unplaced(self) -> list[Placement]:
        return [p for p in self.placements if not p.placed]


def group_of(role: str) -> int:
    spec = layout()
    for index, group in enumerate(spec["groups"]):
        if role in group["roles"]:
            return index
    return int(spec["other_group"])


def role_target(role: str, targets: list[Target]) -> Target | None:
    """The instance the one-role-per-GPU layout gives ``role``, if the fleet has that many."""
    index = group_of(role)
    if not targets:
        return None
    if len(targets) == 1:
        return targets[0]
    return targets[index] if index < len(targets) else None


def _candidate(target: Target, order: int, planned: dict[str, list[Placement]], size: int):
    residents = tuple(
        Resident(p.model, p.size, hot=True, reload_s=0.5 + p.size / LOAD_BYTES_PER_S)
        for p in planned[target.name]
    )
    fits = target.vram <= 0 or size <= target.vram
    return Candidate(
        target.name,
        order=order,
        serves=fits,
        available=target.up,
        load_s=0.5 + size / LOAD_BYTES_PER_S,
        vram=target.vram,
        residents=residents,
    )


def _gb(size: int) -> str:
    return f"{size / GB:.1f} GB"


def make_plan(wanted: list[Wanted], targets: list[Target]) -> Plan:
    needed = [w for w in wanted if w.needed]
    present = {t.name: {m for m in t.models} for t in targets if t.up}
    sizes = {m: s for t in targets for m, s in t.models.items() if s}
    placements = [
        Placement(
            w.name, sizes.get(w.name) or estimated_size(w.name), w.role, [str(u) for u in w.uses]
        )
        for w in needed
    ]
    planned: dict[str, list[Placement]] = {t.name: [] for t in targets}
    for placement in placements:
        holders = [t for t in targets if placement.model in present.get(t.name, ())]
        if holders:
            placement.target, placement.present = holders[0].name, True
            planned[holders[0].name].append(placement)
    everything, targets = targets, [t for t in targets if t.pulls]
    order = sorted(
        (p for p in placements if not p.present), key=lambda p: (group_of(p.role), -p.size)
    )
    # The layout first, for every model that fits its role's GPU; then the rest, ranked.
    roles = {p.role for p in placements}
    role_targets = {r: t.name for r in roles if (t := role_target(r, targets)) is not None}
    left = [p for p in order if not _place_home(p, targets, planned)]
    for placement in left:
        _place(placement, targets, planned, set(role_targets.values()))
    return Plan(everything, placements, [w for w in wanted if not w.needed], role_targets)


def _place_home(
    placement: Placement, targets: list[Target], planned: dict[str, list[Placement]]
) -> bool:
    """Put the model on its role's GPU if it fits there beside what is planned; True if so."""
    home = role_target(placement.role, targets)
    if home is None:
        return False
    mine = _candidate(home, targets.index(home), planned, placement.size)
    if mine.serves and mine.available and assess(placement.size, mine).reason == "cold":
        placement.target = home.name
        planned[home.name].append(placement)
        return True
    return False


def _place(
    placement: Placement,
    targets: list[Target],
    planned: dict[str, list[Placement]],
    homes: set[str],
) -> None:
    size = placement.size
    largest = max((t.vram for t in targets), default=0)
    if targets and all(t.vram > 0 for t in targets) and size > largest:
        placement.note = (
            f"{_gb(size)} is larger than every GPU (the largest has {_gb(largest)}): "
            f"choose a smaller model in {', '.join(placement.uses)}"
        )
        return
    home = role_target(placement.role, targets)
    # Ties go to a GPU no role has first (its room is free for it), then in the fleet's order.
    candidates = [
        _candidate(t, i + (len(targets) if t.name in homes else 0), planned, size)
        for i, t in enumerate(targets)
    ]
    choices = rank(size, candidates)
    if not choices:
        placement.note = "no Ollama instance is up to pull it onto"
        return
    placement.target = choices[0].name
    planned[placement.target].append(placement)
    notes = []
    if home is not None and home.name != placement.target:
        if not home.up:
            notes.append(f"{home.name}, its role's GPU, is down")
        elif home.vram and size > home.vram:
            notes.append(f"larger than {home.name} ({_gb(home.vram)}), its role's GPU")
        else:
            beside = ", ".join(p.model for p in planned[home.name])
            notes.append(f"does not fit {home.name} ({_gb(home.vram)}) beside {beside}")
        notes.append(f"placed on {placement.target}")
    if choices[0].reason.startswith("cold+evicts"):
        others = [p.model for p in planned[placement.target] if p is not placement]
        notes.append(f"takes turns in VRAM on {placement.target} with {', '.join(others)}")
    placement.note = "; ".join(notes)
