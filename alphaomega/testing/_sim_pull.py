"""The simulator's ``POST /api/pull``: a model downloaded layer by layer, as Ollama streams it.

The lines are those of Ollama's ``PullModel`` (server/images.go) and ``blobDownload.Wait``
(server/download.go): ``{"status":"pulling manifest"}``, then per layer (the model's weights
first, then template, license, params, config) ``{"status":"pulling <12 hex>","digest":
"sha256:…","total":N,"completed":M}`` every 60 ms (``completed`` left out while 0), then
``verifying sha256 digest``, ``writing manifest``, ``success``. A failure after the first line is
one ``{"error": "…"}`` line on the 200 stream (gin had written already); an unknown model is
``pull model manifest: file does not exist``. ``"stream": false`` answers one object at the end.

What can be pulled: the simulator's catalog, models ``offer``-ed, and any name carrying a
parameter count (``phi3:14b``), sized as ``model_from_spec`` sizes it. Download speed is
``rate`` bytes per simulated second. Failures on demand::

    sim.pulls.fail("llava:34b", at=0.4)   # the stream breaks at 40 % with Ollama's error text
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from alphaomega.testing._sim_app import SimApp
from alphaomega.testing._sim_http import NDJSON, Call, HttpError
from alphaomega.testing._sim_models import (
    _PARAMS,
    CATALOG,
    SimModel,
    model_from_spec,
    normalize_model_name,
    parse_size,
)
from alphaomega.testing._sim_state import SimEngine
from alphaomega.testing._sim_wire import dumps

TICK_S = 0.06  # Ollama reports a download's progress every 60 ms
MIN_REAL_TICK_S = 0.005  # at a tiny time scale, still a real pause between two lines
NOT_IN_REGISTRY = "pull model manifest: file does not exist"
NETWORK_ERROR = "max retries exceeded: unexpected EOF"
# The small layers of a library model, after its weights (bytes as the library has them).
SMALL_LAYERS = (("template", 1_429), ("license", 12_403), ("params", 96), ("config", 487))


@dataclass
class PullFailure:
    at: float  # fraction of the model's bytes downloaded when it breaks
    message: str
    count: int | None  # pulls it hits; None: every one until cleared


def layers_of(model: SimModel) -> list[tuple[str, int]]:
    """(digest, size) per layer, weights first; digests are fixed per model name."""
    small = sum(size for _, size in SMALL_LAYERS)
    parts = [("weights", max(model.size - small, 1)), *SMALL_LAYERS]
    return [
        ("sha256:" + hashlib.sha256(f"{model.name}/{part}".encode()).hexdigest(), size)
        for part, size in parts
    ]


class SimPulls:
    """``/api/pull`` of one simulated instance; registered on its app when made."""

    def __init__(self, engine: SimEngine, app: SimApp, rate: int | str = "200MB") -> None:
        self.engine = engine
        self.rate = parse_size(rate)
        self.registry: dict[str, SimModel] = {name: m.model_copy() for name, m in CATALOG.items()}
        self.failures: dict[str, PullFailure] = {}
        self.pulled: list[str] = []  # models pulled in full, in order
        self.requests: list[str] = []  # every pull asked for, in order
        app._routes[("POST", "/api/pull")] = self._pull

    # ---- control from tests -----------------------------------------------------------------

    def offer(self, *specs: str | SimModel) -> None:
        """Make models pullable: catalog names, ``name=SIZE``, or SimModel objects."""
        for spec in specs:
            model = spec if isinstance(spec, SimModel) else model_from_spec(spec)
            self.registry[model.name] = model

    def fail(
        self, model: str, at: float = 0.5, message: str = NETWORK_ERROR, count: int | None = None
    ) -> None:
        """Pulls of ``model`` break once ``at`` of its bytes have arrived (0: at the manifest)."""
        self.failures[normalize_model_name(model)] = PullFailure(at, message, count)

    def clear(self) -> None:
        self.failures.clear()

    def remove(self, *names: str) -> None:
        """Delete models from the instance, as ``ollama rm`` would."""
        for name in names:
            self.engine.models.pop(normalize_model_name(name), None)

    # ---- the route --------------------------------------------------------------------------

    def _lookup(self, name: str) -> SimModel | None:
        model = self.registry.get(name)
        if model is None and _PARAMS.search(name):
            model = model_from_spec(name)
        return model.model_copy(update={"name": name}) if model is not None else None

    def _failure(self, name: str) -> PullFailure | None:
        failure = self.failures.get(name)
        if failure is not None and failure.count is not None:
            failure.count -= 1
            if failure.count <= 0:
                del self.failures[name]
        return failure

    async def _pull(self, call: Call) -> None:
        raw = call.body.get("model") or call.body.get("name")
        if not isinstance(raw, str) or not raw.strip() or raw.strip().startswith(":"):
            raise HttpError(400, "invalid model name")
        name = normalize_model_name(raw)
        self.requests.append(name)
        stream = call.body.get("stream") is not False
        lines = self._lines(name, self._lookup(name), self._failure(name))
        if not stream:
            last: dict[str, Any] = {}
            async for line in lines:
                last = line
                if "error" in line:
                    break
            await call.respond_json(last, status=500 if "error" in last else 200)
            return
        await call.start(NDJSON)
        async for line in lines:
            await call.write(dumps(line) + b"\n")
            if "error" in line:
                break
        await call.end()

    async def _lines(self, name: str, model: SimModel | None, failure: PullFailure | None):
        yield {"status": "pulling manifest"}
        await self.engine.sleep(0.3)
        if model is None:
            yield {"error": NOT_IN_REGISTRY}
            return
        if failure is not None and failure.at <= 0:
            yield {"error": f"pull model manifest: {failure.message}"}
            return
        total = sum(size for _, size in layers_of(model))
        done_before = 0
        for digest, size in layers_of(model):
            async for completed in self._download(size):
                line: dict[str, Any] = {"status": f"pulling {digest[7:19]}", "digest": digest}
                line["total"] = size
                if completed:
                    line["completed"] = completed
                yield line
                if failure is not None and done_before + completed >= failure.at * total:
                    yield {"error": failure.message}
                    return
            done_before += size
        for status in ("verifying sha256 digest", "writing manifest"):
            yield {"status": status}
            await self.engine.sleep(0.1)
        self.engine.models[name] = model
        self.pulled.append(name)
        yield {"status": "success"}

    async def _download(self, size: int):
        """How much of a ``size``-byte layer has arrived, once per tick, ending at ``size``."""
        scale = self.engine.time_scale
        started = time.monotonic()
        completed = 0
        while completed < size:
            yield completed
            await asyncio.sleep(max(TICK_S * scale, MIN_REAL_TICK_S))
            elapsed_sim = (time.monotonic() - started) / scale
            completed = min(size, int(self.rate * elapsed_sim))
        yield size
