"""``alphaomega doctor``: probe every configured backend and say what answers, GPU by GPU;
then what to do about each problem found, with the command to run: an instance that does not
answer, a circuit breaker open, a model the plugins' valves name that no instance has."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

from .errors import BackendError
from .fleet import Fleet, InstanceState
from .provision import Wanted, normalize

GB = 10**9


@dataclass
class Probe:
    name: str
    url: str
    required: bool
    kind: str = "ollama"
    up: bool = False
    models: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    loaded_vram: dict[str, int] = field(default_factory=dict)
    vram_total: int = 0
    latency_ms: float | None = None
    error: str = ""
    in_flight: int = 0
    slots: int = 1
    breaker: str = "closed"


async def probe_instance(state: InstanceState, now: float, timeout_s: float = 5.0) -> Probe:
    config = state.config
    probe = Probe(
        config.name,
        state.url,
        required=True,
        kind=config.kind,
        in_flight=state.in_flight,
        slots=config.slots,
        vram_total=config.vram,
        breaker=state.breaker.state(now),
    )
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            models = await state.client.tags()
            probe.latency_ms = (time.perf_counter() - started) * 1000
            loaded = await state.client.ps()
    except TimeoutError:
        probe.error = f"no answer within {timeout_s:g} s"
        return probe
    except BackendError as exc:
        probe.error = exc.args[0] if exc.args else exc.__class__.__name__
        return probe
    probe.up = True
    probe.models = sorted(m.name for m in models)
    probe.loaded = [m.name for m in loaded]
    probe.loaded_vram = {m.name: m.size_vram or m.size for m in loaded}
    return probe


async def probe_fleet(fleet: Fleet) -> list[Probe]:
    now = fleet.clock()
    return list(await asyncio.gather(*(probe_instance(s, now) for s in fleet.instances)))


def _gb(size: int) -> str:
    return f"{size / GB:.1f} GB"


def render_probe(p: Probe) -> list[str]:
    head = f"{p.name}  {p.url}  [{p.kind}]  "
    if not p.up:
        return [head + f"DOWN ({p.error})"]
    state = f"up ({p.latency_ms:.0f} ms)" if p.latency_ms is not None else "up"
    if p.breaker != "closed":
        state += f", breaker {p.breaker}"
    line = head + f"{state}  in-flight {p.in_flight}/{p.slots}"
    if p.kind == "openai":  # such servers keep what they serve resident and report no sizes
        return [line, f"    serves: {', '.join(p.models) or '-'}"]
    used = sum(p.loaded_vram.values())
    line += f"  VRAM {_gb(used)}" + (f" / {_gb(p.vram_total)}" if p.vram_total else "")
    loaded = ", ".join(f"{m} ({_gb(p.loaded_vram.get(m, 0))})" for m in p.loaded) or "-"
    return [line, f"    loaded: {loaded}", f"    models: {', '.join(p.models) or '-'}"]


def render_table(probes: list[Probe]) -> str:
    """The fleet GPU by GPU, then a one-line summary."""
    lines: list[str] = []
    for probe in probes:
        lines += render_probe(probe)
    up = sum(p.up for p in probes)
    lines.append(f"{up}/{len(probes)} instance(s) up")
    return "\n".join(lines)


def exit_status(probes: list[Probe]) -> int:
    return 1 if any(p.required and not p.up for p in probes) else 0


COMPOSE_SERVICE = re.compile(r"^https?://(ollama-gpu\d+)(:\d+)?$")


def _start_command(url: str) -> str:
    service = COMPOSE_SERVICE.match(url)
    if service:
        return f"`docker compose up -d {service.group(1)}`"
    return "`ollama serve` there (or its container)"


def advice(probes: list[Probe], wanted: list[Wanted]) -> list[str]:
    """One line per problem: what is wrong and the command that puts it right."""
    lines = []
    for p in probes:
        if not p.up:
            lines.append(
                f"{p.name} ({p.url}) does not answer ({p.error}): start it with "
                f"{_start_command(p.url)}, or correct ALPHAOMEGA_FLEET; then `alphaomega doctor`"
            )
        elif p.breaker != "closed":
            lines.append(
                f"{p.name} ({p.url}) failed requests lately (breaker {p.breaker}): chats avoid "
                "it for a while; read its log (`docker compose logs` of its service)"
            )
    if probes and not any(p.up for p in probes):
        lines.append("the models the valves name are checked once an instance answers")
        return lines
    have = {normalize(m) for p in probes if p.up for m in p.models}
    some_down = any(not p.up for p in probes)
    for item in wanted:
        if item.needed and item.name not in have:
            where = "no instance that answers" if some_down else "no instance"
            uses = ", ".join(str(use) for use in item.uses)
            lines.append(f"{item.name} ({uses}) is on {where}: run `alphaomega pull`")
    return lines


def render_advice(probes: list[Probe], wanted: list[Wanted]) -> str:
    needed = [w for w in wanted if w.needed]
    have = {normalize(m) for p in probes if p.up for m in p.models}
    present = sum(w.name in have for w in needed)
    lines = []
    if any(p.up for p in probes):
        lines.append(f"{present}/{len(needed)} model(s) the plugins' valves name are on the fleet")
    todo = advice(probes, wanted)
    if todo:
        lines.append("What to do:")
        lines += [f"  - {line}" for line in todo]
    else:
        lines.append("Nothing to do: every instance answers and has what the valves name.")
    return "\n".join(lines)


def full_status(probes: list[Probe], wanted: list[Wanted]) -> int:
    """1 when a required backend is down or a model the valves name is on no instance."""
    return 1 if exit_status(probes) or advice(probes, wanted) else 0


def comfyui_report() -> tuple[str, bool] | None:
    """The ComfyUI section (text, all up) when ``ALPHAOMEGA_COMFYUI`` is set, else None; the
    probing itself is ``alphaomega.comfyui``'s."""
    import os

    from . import runtime
    from .comfyui import ENV_COMFYUI, comfyui_from_env, probe_comfyui, render_comfyui

    if not os.environ.get(ENV_COMFYUI, "").strip():
        return None
    probes = runtime.call(probe_comfyui(comfyui_from_env()))
    return render_comfyui(probes), all(p.up for p in probes)
