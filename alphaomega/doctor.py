"""``alphaomega doctor``: probe every configured backend and say what answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .errors import BackendError
from .fleet.fleet import Fleet


@dataclass
class Probe:
    name: str
    url: str
    required: bool
    up: bool = False
    models: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    latency_ms: float | None = None
    error: str = ""
    in_flight: int = 0


async def probe_fleet(fleet: Fleet) -> list[Probe]:
    async def one(state) -> Probe:
        probe = Probe(state.config.name, state.url, required=True, in_flight=state.in_flight)
        try:
            facts = await state.client.probe()
        except BackendError as exc:
            probe.error = exc.args[0] if exc.args else exc.__class__.__name__
            return probe
        probe.up = True
        probe.models, probe.loaded = facts["models"], facts["loaded"]
        probe.latency_ms = facts["latency_ms"]
        return probe

    return list(await asyncio.gather(*(one(state) for state in fleet.instances)))


def render_table(probes: list[Probe]) -> str:
    header = ("name", "url", "state", "models", "loaded", "in-flight", "latency")
    rows = [header]
    for p in probes:
        rows.append(
            (
                p.name,
                p.url,
                "up" if p.up else f"DOWN ({p.error})",
                ", ".join(p.models) or "-",
                ", ".join(p.loaded) or "-",
                str(p.in_flight),
                f"{p.latency_ms:.0f} ms" if p.latency_ms is not None else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def exit_status(probes: list[Probe]) -> int:
    return 1 if any(p.required and not p.up for p in probes) else 0
