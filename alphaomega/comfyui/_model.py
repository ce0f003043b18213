"""The Image model: a message becomes a ComfyUI render, its progress status lines, its
pictures and the parameters that reproduce it.

A plugin file (or Auto, or the workspace Tool) holds an :class:`ImageModel` and hands it the
settings; the pool of instances is the model's own (built from ``ALPHAOMEGA_COMFYUI``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .. import chat, runtime
from ..errors import AlphaOmegaError, ConfigError, InputError
from ..messages import last_user_text
from ..pipes import reply_or_notice
from ._client import ComfyUnavailable
from ._config import ComfyInstanceConfig, comfyui_from_env
from ._params import ImageParams, parse_message
from ._pool import ComfyInstance, ComfyPool, missing_nodes
from ._render import (
    Decoding,
    Heartbeat,
    Progress,
    Queued,
    Rendered,
    Running,
    SocketLost,
    Step,
    render,
)
from ._settings import ImageSettings
from ._workflows import Workflow

log = logging.getLogger(__name__)

MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_SEED_DRAWN = 2**48


@dataclass(frozen=True)
class Job:
    workflow: Workflow
    params: ImageParams
    seed: int
    checkpoint: str | None
    input_png: bytes | None  # img2img: the attached picture


class ImageModel:
    def __init__(self, instances: list[ComfyInstanceConfig] | None = None) -> None:
        self._configs = instances
        self._pool: ComfyPool | None = None
        self._pool_key: tuple[float, float] | None = None

    def pool(self, settings: ImageSettings) -> ComfyPool:
        key = (settings.connect_timeout_s, settings.switch_cost)
        if self._pool is None or self._pool_key != key:
            configs = self._configs or comfyui_from_env()
            self._pool = ComfyPool(
                configs, connect_timeout_s=settings.connect_timeout_s, switch_cost=key[1]
            )
            self._pool_key = key
        return self._pool

    async def on_startup(self, settings: ImageSettings) -> None:
        """Probe the instances in the background; start-up never waits on ComfyUI."""
        runtime.spawn(self.pool(settings).warm())

    @staticmethod
    def entries(settings: ImageSettings) -> list[dict[str, str]]:
        """The workflows offered as models (no I/O: the server calls this on every request)."""
        try:
            return [{"id": w.name, "name": w.name} for w in settings.offered()]
        except ConfigError as exc:
            log.warning("image workflows: %s", exc)
            return []

    def pipe(
        self,
        body: dict[str, Any],
        model_id: str,
        messages: list[dict[str, Any]],
        settings: ImageSettings,
    ) -> chat.SSEStream | dict[str, Any]:
        model = str(body.get("model") or model_id)
        return chat.respond(body, model, self.events(body, model_id, messages, settings))

    def events(
        self,
        body: dict[str, Any],
        workflow: str,
        messages: list[dict[str, Any]],
        settings: ImageSettings,
    ) -> AsyncIterator[chat.Event]:
        async def source() -> AsyncIterator[chat.Event]:
            try:
                job = await asyncio.to_thread(_job, workflow, messages, settings)
            except AlphaOmegaError as exc:
                return chat.error_events(exc)
            return self.job_events(job, settings)

        return reply_or_notice(body, source)

    async def job_events(self, job: Job, settings: ImageSettings) -> AsyncIterator[chat.Event]:
        """Status lines while it renders, then the pictures and their parameters."""
        line: str | None = None
        started = time.monotonic()
        done: tuple[ComfyInstance, Rendered] | None = None
        try:
            async with contextlib.aclosing(self._steps(job, settings)) as steps:
                async for where, step in steps:
                    if isinstance(step, Rendered):
                        done = where, step
                        break
                    text = _status_text(step, where, line, time.monotonic() - started)
                    if text is not None and text != line:
                        line = text
                        yield chat.Status(line)
        except AlphaOmegaError as exc:
            if line:
                yield chat.Status(line, done=True)
            yield chat.Text(f"⚠️ {exc.user_message()}")
            yield chat.Finish()
            return
        if line:
            yield chat.Status(line, done=True)
        if done is None:  # cannot happen: a render ends with its pictures or an error
            yield chat.Text("⚠️ The render ended without a picture.")
            yield chat.Finish()
            return
        where, rendered = done
        urls = tuple(_data_url(png) for png in rendered.images)
        yield chat.Images(urls)
        yield chat.Text(_caption(job, where, len(urls), time.monotonic() - started))
        yield chat.Finish()

    async def _steps(
        self, job: Job, settings: ImageSettings
    ) -> AsyncIterator[tuple[ComfyInstance, Step]]:
        pool = self.pool(settings)
        ranked = await pool.candidates(job.checkpoint)
        instance, ok = ranked[0], None
        try:
            for attempt, candidate in enumerate(ranked):
                if attempt:
                    pool.move(instance, candidate, job.checkpoint)
                instance = candidate
                problem = missing_nodes(instance, job.workflow.class_types)
                if problem is not None:
                    raise problem
                try:
                    graph = await self._graph(instance, job, settings)
                    async for step in render(instance.client, graph, settings.limits()):
                        if isinstance(step, Rendered):
                            ok = True  # before the yield: the reader stops after this one
                        yield instance, step
                    return
                except ComfyUnavailable:
                    if attempt == len(ranked) - 1:
                        ok = False
                        raise
                    log.warning("ComfyUI %s does not answer; trying the next", instance.name)
        finally:
            pool.release(instance, ok=ok)

    @staticmethod
    async def _graph(instance: ComfyInstance, job: Job, settings: ImageSettings) -> dict[str, Any]:
        image = None
        if job.input_png is not None:
            image = await instance.client.upload_image(
                job.input_png, f"ao-{secrets.token_hex(6)}.png"
            )
        return job.workflow.fill(
            job.params,
            seed=job.seed,
            checkpoint=job.checkpoint,
            image=image,
            denoise=settings.denoise if image else None,
        )


def _job(workflow_name: str, messages: list[dict[str, Any]], settings: ImageSettings) -> Job:
    """What to render (in a worker thread: it may decode a picture)."""
    params = parse_message(last_user_text(messages))
    chosen = settings.find_workflow(workflow_name)
    checkpoint = settings.checkpoints.get(chosen.name) or chosen.checkpoint
    picture = _attached_picture(messages)
    workflow = chosen if picture is None else settings.img2img()
    seed = params.seed if params.seed is not None else secrets.randbelow(MAX_SEED_DRAWN)
    return Job(workflow, params, seed, checkpoint, picture)


def _attached_picture(messages: list[dict[str, Any]]) -> bytes | None:
    """The first picture of the last user message, as PNG; None when it has none."""
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") == "image_url":
                url = str((part.get("image_url") or {}).get("url") or "")
                return _to_png(url)
        return None
    return None


def _to_png(url: str) -> bytes:
    from PIL import Image, UnidentifiedImageError

    from ..vision import ImageLimits, decode_data_url

    if not url.startswith("data:"):
        raise InputError("Attach the picture itself (a link cannot be redrawn).")
    data = decode_data_url(url, ImageLimits(max_bytes=MAX_INPUT_BYTES))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InputError("The attached file is not a picture the pack can read.") from exc
    return out.getvalue()


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _status_text(step: Step, where: ComfyInstance, line: str | None, elapsed: float) -> str | None:
    name = where.name
    if isinstance(step, Queued):
        return f"Queued ({step.ahead} ahead) on {name}…" if step.ahead else f"Starting on {name}…"
    if isinstance(step, Running):
        if "Loader" in step.node_type:
            return f"Loading the checkpoint on {name}…"
        return f"Rendering on {name}…"
    if isinstance(step, Progress):
        return f"Sampling {step.value}/{step.total} on {name}"
    if isinstance(step, Decoding):
        return f"Decoding on {name}…"
    if isinstance(step, SocketLost):
        return f"Lost the live link to {name}; following the render through its history…"
    if isinstance(step, Heartbeat):
        base = (line or f"Rendering on {name}…").split(" · ")[0]
        return f"{base} · {elapsed:.0f} s"
    return None


def _caption(job: Job, where: ComfyInstance, count: int, seconds: float) -> str:
    p = job.params
    width, height = p.size(job.workflow.family)
    steps = p.steps if p.steps is not None else job.workflow.default("steps")
    cfg = p.cfg if p.cfg is not None else job.workflow.default("cfg")
    parts = [f"seed `{job.seed}`"]
    if job.input_png is None:
        parts.append(f"{width}×{height}")
    else:
        parts.append("img2img")
    if steps is not None:
        parts.append(f"{steps} steps")
    if cfg is not None:
        parts.append(f"cfg {cfg:g}")
    if job.checkpoint:
        parts.append(f"`{job.checkpoint}`")
    parts.append(f"{count} image{'s' if count != 1 else ''}")
    parts.append(f"{job.workflow.name} on {where.name}, {seconds:.1f} s")
    flags = f" --seed {job.seed}"
    if p.ratio:
        flags += f" --ar {p.ratio[0]}:{p.ratio[1]}"
    if p.steps is not None:
        flags += f" --steps {p.steps}"
    if p.cfg is not None:
        flags += f" --cfg {p.cfg:g}"
    if p.n != 1:
        flags += f" --n {p.n}"
    if p.negative:
        flags += f" --no {p.negative}"
    return " · ".join(parts) + f"\n\nTo draw it again: `{p.prompt}{flags}`"
