"""``alphaomega doctor``'s ComfyUI section: each instance up or down, its queue, VRAM, version."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from ..errors import BackendError
from ._client import ComfyClient
from ._config import ComfyInstanceConfig

GB = 10**9


@dataclass
class ComfyProbe:
    name: str
    url: str
    up: bool = False
    error: str = ""
    latency_ms: float | None = None
    queue: int = 0
    version: str = ""
    devices: list[str] | None = None


async def probe_one(config: ComfyInstanceConfig, timeout_s: float = 5.0) -> ComfyProbe:
    probe = ComfyProbe(config.name, config.url)
    client = ComfyClient(config.url, connect_timeout_s=min(timeout_s, 2.0))
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            stats = await client.system_stats()
            probe.latency_ms = (time.perf_counter() - started) * 1000
            probe.queue = (await client.queue()).length
    except TimeoutError:
        probe.error = f"no answer within {timeout_s:g} s"
        return probe
    except BackendError as exc:
        probe.error = exc.args[0] if exc.args else exc.__class__.__name__
        return probe
    probe.up = True
    system = stats.get("system") or {}
    probe.version = str(system.get("comfyui_version") or "?")
    probe.devices = [
        f"{d.get('name', '?')}: {d.get('vram_free', 0) / GB:.1f} GB free "
        f"of {d.get('vram_total', 0) / GB:.1f} GB"
        for d in stats.get("devices") or []
        if isinstance(d, dict)
    ]
    return probe


async def probe_comfyui(configs: list[ComfyInstanceConfig]) -> list[ComfyProbe]:
    return list(await asyncio.gather(*(probe_one(c) for c in configs)))


def render_comfyui(probes: list[ComfyProbe]) -> str:
    lines = ["ComfyUI"]
    for p in probes:
        head = f"{p.name}  {p.url}  [comfyui]  "
        if not p.up:
            lines.append(head + f"DOWN ({p.error})")
            continue
        lines.append(head + f"up ({p.latency_ms:.0f} ms)  queue {p.queue}  version {p.version}")
        lines += [f"    VRAM {d}" for d in p.devices or []]
    lines.append(f"{sum(p.up for p in probes)}/{len(probes)} ComfyUI instance(s) up")
    return "\n".join(lines)
