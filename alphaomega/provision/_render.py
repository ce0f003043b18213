"""The plan as a person reads it: the fleet, then one line per model, then what to look at."""

from __future__ import annotations

from ._plan import Placement, Plan
from ._progress import size_text


def _where(placement: Placement) -> str:
    if not placement.placed:
        return "NOT PLACED"
    return f"{placement.target}: " + ("present" if placement.present else "pull")


def render_plan(plan: Plan) -> list[str]:
    lines = ["Fleet:"]
    for target in plan.targets:
        vram = size_text(target.vram) if target.vram else "VRAM unknown (set vram= in the fleet)"
        if not target.pulls:
            vram = "OpenAI-compatible: serves its pinned models, pulls nothing"
        state = "up" if target.up else "DOWN"
        roles = sorted(r for r, t in plan.role_targets.items() if t == target.name)
        lines.append(
            f"  {target.name}  {target.url}  {vram}  {state}"
            + (f"  roles: {', '.join(roles)}" if roles else "")
        )
    if not plan.targets:
        lines.append("  none: set ALPHAOMEGA_FLEET to the Ollama instances")
    lines.append("Models the plugins' valves name:")
    width = max((len(p.model) for p in plan.placements), default=0)
    order = {t.name: i for i, t in enumerate(plan.targets)}
    by_target = sorted(plan.placements, key=lambda p: order.get(p.target, len(order)))
    for placement in by_target:
        size = size_text(placement.size) if placement.size else "size ?"
        lines.append(
            f"  {placement.model.ljust(width)}  {size:>8}  {_where(placement):<16}"
            f"  {placement.role}  ({', '.join(placement.uses)})"
        )
    for wanted in plan.unused:
        uses = ", ".join(str(u) for u in wanted.uses)
        lines.append(
            f"  {wanted.name.ljust(width)}  not needed now: {wanted.unused_because} ({uses}; "
            "--all pulls it too)"
        )
    notes = [p for p in plan.placements if p.note]
    if notes:
        lines.append("Notes:")
        lines += [f"  {p.model}: {p.note}" for p in notes]
    pulls = len(plan.to_pull)
    total = sum(p.size for p in plan.to_pull)
    lines.append(
        f"{pulls} model(s) to pull ({size_text(total)})"
        if pulls
        else "Nothing to pull: every model is in place."
        if not plan.unplaced
        else "Nothing to pull."
    )
    return lines
