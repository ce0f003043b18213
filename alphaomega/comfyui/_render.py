"""One render on one ComfyUI instance, followed to its images (async, on the pack's loop).

The socket is opened before the prompt is queued (ComfyUI sends a run's events only to the
``client_id`` it was queued with, and only from then on). Its frames become :data:`Step` values;
when nothing arrives for ``keepalive_s`` a :class:`Heartbeat` says the render is still on, so
the chat never goes quiet long enough for Open WebUI to give up. If the socket drops, the render
is followed through ``GET /history/{id}`` instead: a finished image is never lost. Whoever stops
reading (the person pressed stop) gets the prompt deleted from the queue and interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .. import runtime
from ..errors import AlphaOmegaError, BackendTimeout, StreamInterrupted
from ._client import (
    ComfyClient,
    HistoryEntry,
    ImageRef,
    RenderFailed,
    RenderInterrupted,
    frames,
)
from ._workflows import output_images

log = logging.getLogger(__name__)

DECODER_CLASSES = ("VAEDecode", "VAEDecodeTiled")
QUEUE_CHECK_S = 2.0


@dataclass(frozen=True)
class Queued:
    ahead: int


@dataclass(frozen=True)
class Running:
    node_type: str = ""


@dataclass(frozen=True)
class Progress:
    value: int
    total: int


@dataclass(frozen=True)
class Decoding:
    pass


@dataclass(frozen=True)
class SocketLost:
    pass


@dataclass(frozen=True)
class Heartbeat:
    pass


@dataclass(frozen=True)
class Rendered:
    images: list[bytes]
    prompt_id: str


Step = Queued | Running | Progress | Decoding | SocketLost | Heartbeat | Rendered


@dataclass
class RenderLimits:
    keepalive_s: float = 5.0
    timeout_s: float = 900.0
    poll_s: float = 1.0


async def render(
    client: ComfyClient, graph: dict[str, Any], limits: RenderLimits
) -> AsyncIterator[Step]:
    """The steps of rendering ``graph``; ends with :class:`Rendered` or raises a BackendError."""
    client_id, prompt_id = uuid.uuid4().hex, str(uuid.uuid4())
    deadline = time.monotonic() + limits.timeout_s
    done = False
    submitted = False
    async with client.socket(client_id) as ws:
        inbox: asyncio.Queue[dict[str, Any] | Exception] = asyncio.Queue()
        reader = asyncio.ensure_future(_read(ws, client.url, inbox))
        try:
            await client.submit(graph, client_id=client_id, prompt_id=prompt_id)
            submitted = True
            yield Queued((await client.queue()).ahead_of(prompt_id))
            outputs: dict[str, Any] = {}
            async for step in _follow(client, graph, prompt_id, inbox, outputs, deadline, limits):
                yield step
            if not outputs:  # the socket said done; the history holds what was made
                entry = await client.history(prompt_id)
                outputs = entry.outputs if entry else {}
            refs = [ImageRef(**image) for image in output_images(outputs)]
            if not refs:
                raise RenderFailed("?", "output", "the workflow produced no image", url=client.url)
            images = [await client.view(ref) for ref in refs]
            done = True
            yield Rendered(images, prompt_id)
        finally:
            reader.cancel()
            if submitted and not done:
                runtime.spawn(cancel(client, prompt_id))


async def cancel(client: ComfyClient, prompt_id: str) -> None:
    """Take ``prompt_id`` off the queue if it waits, and interrupt it if it runs."""
    for step in (client.delete([prompt_id]), client.interrupt(prompt_id)):
        try:
            await step
        except AlphaOmegaError as exc:
            log.info("cancelling a render on %s: %s", client.url, exc)
    log.info("render %s on %s stopped", prompt_id, client.url)


async def _read(ws: Any, url: str, inbox: asyncio.Queue[dict[str, Any] | Exception]) -> None:
    try:
        async for frame in frames(ws, url):
            inbox.put_nowait(frame)
    except StreamInterrupted as exc:
        inbox.put_nowait(exc)


async def _follow(
    client: ComfyClient,
    graph: dict[str, Any],
    prompt_id: str,
    inbox: asyncio.Queue[dict[str, Any] | Exception],
    outputs: dict[str, Any],
    deadline: float,
    limits: RenderLimits,
) -> AsyncIterator[Step]:
    """Steps from the socket until the prompt is done (outputs collected into ``outputs``)."""
    started = False
    next_check = time.monotonic() + QUEUE_CHECK_S  # render() has just asked
    while True:
        if time.monotonic() > deadline:
            raise BackendTimeout(f"no image after {limits.timeout_s:g} s", url=client.url)
        try:
            frame = await asyncio.wait_for(inbox.get(), limits.keepalive_s)
        except TimeoutError:
            yield Heartbeat()
            continue
        if isinstance(frame, Exception):  # the socket dropped: the history tells the rest
            log.warning("ComfyUI socket on %s dropped; polling its history", client.url)
            yield SocketLost()
            async for step in _poll(client, prompt_id, outputs, deadline, limits):
                yield step
            return
        kind, data = frame.get("type"), frame.get("data")
        if not isinstance(data, dict):
            continue
        if kind == "status" and not started:
            # Every queue change reaches every socket: ask where this prompt stands at most
            # every QUEUE_CHECK_S, or a burst of n renders makes n² requests.
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + QUEUE_CHECK_S
                yield Queued((await client.queue()).ahead_of(prompt_id))
        elif kind != "status" and data.get("prompt_id") == prompt_id:
            step = _step(kind, data, graph, outputs, client.url)
            if step is _DONE:
                return
            started = started or kind == "execution_start"
            if step is not None:
                yield step


_DONE = object()


def _step(
    kind: Any, data: dict[str, Any], graph: dict[str, Any], outputs: dict[str, Any], url: str
) -> Any:
    """The step a frame of this prompt means: a Step, ``_DONE``, or None (nothing to show);
    an ``executed`` frame's images go into ``outputs``."""
    if kind == "executed":
        outputs[str(data.get("node"))] = data.get("output") or {}
        return None
    if kind == "execution_start":
        return Running()
    if kind == "executing":
        node = data.get("node")
        if node is None:  # ComfyUI's "the prompt is finished"
            return _DONE
        node_type = str((graph.get(str(node)) or {}).get("class_type"))
        if node_type in DECODER_CLASSES:
            return Decoding()
        return Running(node_type) if "Loader" in node_type else None
    if kind == "progress":
        return Progress(int(data.get("value", 0)), int(data.get("max", 0)))
    if kind == "execution_success":
        return _DONE
    if kind == "execution_error":
        raise _failure(data, url)
    if kind == "execution_interrupted":
        raise RenderInterrupted("interrupted", url=url)
    return None


async def _poll(
    client: ComfyClient,
    prompt_id: str,
    outputs: dict[str, Any],
    deadline: float,
    limits: RenderLimits,
) -> AsyncIterator[Step]:
    last_beat = time.monotonic()
    while time.monotonic() < deadline:
        entry = await client.history(prompt_id)
        if entry is not None and (entry.completed or entry.status == "error"):
            _check(entry, client.url)
            outputs.update(entry.outputs)
            return
        if time.monotonic() - last_beat >= limits.keepalive_s:
            last_beat = time.monotonic()
            yield Heartbeat()
        await asyncio.sleep(limits.poll_s)
    raise BackendTimeout(f"no image after {limits.timeout_s:g} s", url=client.url)


def _check(entry: HistoryEntry, url: str) -> None:
    if entry.status != "error":
        return
    for message in entry.messages:
        if isinstance(message, list) and len(message) == 2:
            if message[0] == "execution_error":
                raise _failure(message[1], url)
            if message[0] == "execution_interrupted":
                raise RenderInterrupted("interrupted", url=url)
    raise RenderFailed("?", "?", "the prompt ended with an error", url=url)


def _failure(data: dict[str, Any], url: str) -> RenderFailed:
    return RenderFailed(
        str(data.get("node_id", "?")),
        str(data.get("node_type", "?")),
        f"{data.get('exception_type', 'Error')}: {data.get('exception_message', '')}".strip(),
        url=url,
    )
