"""The ComfyUI simulator's queue and execution: one prompt at a time, as one GPU runs them,
with the websocket frames ComfyUI sends (to the ``client_id`` a prompt was queued with)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ._comfy_sim_draw import Picture, draw, image_size
from ._comfy_sim_nodes import NODES, order, upstream

OUTPUT_TYPES = {"SaveImage": "output", "PreviewImage": "temp"}


class Interrupted(Exception):
    pass


class NodeFailure(Exception):
    def __init__(self, node_id: str, node_type: str, message: str) -> None:
        super().__init__(message)
        self.node_id, self.node_type = node_id, node_type


@dataclass
class Job:
    number: int
    prompt_id: str
    graph: dict[str, Any]
    client_id: str
    queued_at: float = field(default_factory=time.monotonic)


@dataclass
class Faults:
    fail_class: str | None = None
    fail_message: str = "simulated failure"
    drop_after_steps: int | None = None  # close the client's sockets after this many steps


@dataclass
class Record:
    """What a finished prompt did, for tests and benchmarks."""

    prompt_id: str
    status: str
    checkpoint: str | None
    loaded: bool
    started: float
    finished: float


class Runner:
    """Owned by the simulator; lives on its loop."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.pending: list[Job] = []
        self.running: Job | None = None
        self.history: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[str, str, str], bytes] = {}
        self.inputs: dict[str, bytes] = {}
        self.sockets: dict[str, set[Any]] = {}
        self.loaded: str | None = None
        self.number = 0
        self.wake = asyncio.Event()
        self.interrupt_flag = False
        self.records: list[Record] = []
        self.deleted: list[str] = []
        self.interrupted: list[str] = []

    # -- frames ----------------------------------------------------------------------------

    async def send(self, client_id: str, kind: str, data: dict[str, Any]) -> None:
        for ws in list(self.sockets.get(client_id, ())):
            try:
                await ws.send_json({"type": kind, "data": data})
            except (ConnectionError, RuntimeError):
                self.sockets.get(client_id, set()).discard(ws)

    def status_frame(self, sid: str | None = None) -> dict[str, Any]:
        remaining = len(self.pending) + (1 if self.running else 0)
        data: dict[str, Any] = {"status": {"exec_info": {"queue_remaining": remaining}}}
        if sid:
            data["sid"] = sid
        return {"type": "status", "data": data}

    async def broadcast_status(self) -> None:
        frame = self.status_frame()
        for client_id in list(self.sockets):
            await self.send(client_id, "status", frame["data"])

    # -- queue -------------------------------------------------------------------------------

    async def enqueue(self, graph: dict[str, Any], client_id: str, prompt_id: str | None) -> Job:
        job = Job(self.number, prompt_id or str(uuid.uuid4()), graph, client_id)
        self.number += 1
        self.pending.append(job)
        self.wake.set()
        await self.broadcast_status()
        return job

    def delete(self, ids: list[str]) -> None:
        before = len(self.pending)
        self.pending = [j for j in self.pending if j.prompt_id not in ids]
        if len(self.pending) != before:
            self.deleted += ids

    def interrupt(self, prompt_id: str | None) -> None:
        if self.running and (prompt_id is None or prompt_id == self.running.prompt_id):
            self.interrupt_flag = True

    async def work(self) -> None:
        while True:
            while not self.pending:
                self.wake.clear()
                await self.wake.wait()
            job = self.pending.pop(0)
            self.running, self.interrupt_flag = job, False
            try:
                await self.execute(job)
            finally:
                self.running = None
                await self.broadcast_status()

    # -- execution ---------------------------------------------------------------------------

    async def execute(self, job: Job) -> None:
        pid, cid, graph = job.prompt_id, job.client_id, job.graph
        started, loaded_now = time.monotonic(), False
        checkpoint = next(
            (
                n["inputs"].get("ckpt_name")
                for n in graph.values()
                if n["class_type"] == "CheckpointLoaderSimple"
            ),
            None,
        )
        messages: list[Any] = [["execution_start", {"prompt_id": pid, "timestamp": _ms()}]]
        await self.send(cid, "execution_start", {"prompt_id": pid, "timestamp": _ms()})
        await self.send(
            cid, "execution_cached", {"nodes": [], "prompt_id": pid, "timestamp": _ms()}
        )
        outputs: dict[str, Any] = {}
        status = "success"
        try:
            for node_id in order(graph):
                node = graph[node_id]
                kind = node["class_type"]
                await self.send(
                    cid, "executing", {"node": node_id, "display_node": node_id, "prompt_id": pid}
                )
                if self.sim.faults.fail_class == kind:
                    raise NodeFailure(node_id, kind, self.sim.faults.fail_message)
                if kind == "CheckpointLoaderSimple" and self.loaded != checkpoint:
                    await self.sleep(self.sim.load_s)
                    self.loaded, loaded_now = checkpoint, True
                elif kind == "KSampler":
                    await self.sample(job, node_id)
                elif kind == "VAEDecode":
                    await self.sleep(self.sim.decode_s)
                elif kind in OUTPUT_TYPES:
                    output = {"images": await self.save(job, node_id)}
                    outputs[node_id] = output
                    await self.send(
                        cid,
                        "executed",
                        {
                            "node": node_id,
                            "display_node": node_id,
                            "output": output,
                            "prompt_id": pid,
                        },
                    )
            await self.send(
                cid, "executing", {"node": None, "display_node": None, "prompt_id": pid}
            )
            await self.send(cid, "execution_success", {"prompt_id": pid, "timestamp": _ms()})
            messages.append(["execution_success", {"prompt_id": pid, "timestamp": _ms()}])
        except NodeFailure as exc:
            status = "error"
            data = {
                "prompt_id": pid,
                "node_id": exc.node_id,
                "node_type": exc.node_type,
                "executed": [],
                "exception_message": str(exc),
                "exception_type": "RuntimeError",
                "traceback": [],
                "current_inputs": {},
                "current_outputs": {},
                "timestamp": _ms(),
            }
            messages.append(["execution_error", data])
            await self.send(cid, "execution_error", data)
        except Interrupted:
            status = "error"
            data = {
                "prompt_id": pid,
                "node_id": "",
                "node_type": "",
                "executed": [],
                "timestamp": _ms(),
            }
            messages.append(["execution_interrupted", data])
            self.interrupted.append(pid)
            await self.send(cid, "execution_interrupted", data)
        self.history[pid] = {
            "prompt": [job.number, pid, graph, {"client_id": cid}, list(outputs)],
            "outputs": outputs,
            "status": {
                "status_str": status,
                "completed": status == "success",
                "messages": messages,
            },
            "meta": {},
        }
        self.records.append(Record(pid, status, checkpoint, loaded_now, started, time.monotonic()))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds * self.sim.time_scale)
        if self.interrupt_flag:
            raise Interrupted()

    async def sample(self, job: Job, node_id: str) -> None:
        steps = int(job.graph[node_id]["inputs"].get("steps", 20))
        for step in range(1, steps + 1):
            await self.sleep(self.sim.step_s)
            data = {"value": step, "max": steps, "prompt_id": job.prompt_id, "node": node_id}
            await self.send(job.client_id, "progress", data)
            drop = self.sim.faults.drop_after_steps
            if drop is not None and step == drop:
                self.sim.faults.drop_after_steps = None
                for ws in list(self.sockets.get(job.client_id, ())):
                    await ws.close()

    async def save(self, job: Job, node_id: str) -> list[dict[str, str]]:
        """Draw and store the node's pictures. In a thread: ComfyUI runs prompts in a worker
        thread of its own, and its server keeps answering meanwhile."""
        graph = job.graph
        picture = self.picture(graph, node_id)
        kind = OUTPUT_TYPES[graph[node_id]["class_type"]]
        prefix = str(graph[node_id]["inputs"].get("filename_prefix", "ComfyUI"))
        refs = []
        for index in range(picture.batch):
            name = f"{prefix}_{job.number:05d}_{index:02d}_.png"
            self.files[(kind, "", name)] = await asyncio.to_thread(draw, picture, index, graph)
            refs.append({"filename": name, "subfolder": "", "type": kind})
        return refs

    def picture(self, graph: dict[str, Any], output_id: str) -> Picture:
        decode = upstream(graph, output_id, "images")
        sampler = upstream(graph, decode, "samples") if decode else None
        if sampler is None:
            return Picture("", 0, 64, 64, 1)
        inputs = graph[sampler]["inputs"]
        positive = upstream(graph, sampler, "positive")
        while positive and graph[positive]["class_type"] != "CLIPTextEncode":
            positive = upstream(graph, positive, "conditioning")
        text = str(graph[positive]["inputs"].get("text", "")) if positive else ""
        latent = upstream(graph, sampler, "latent_image")
        width = height = 512
        batch, source = 1, None
        if latent and graph[latent]["class_type"] in ("EmptyLatentImage", "EmptySD3LatentImage"):
            li = graph[latent]["inputs"]
            width, height, batch = int(li["width"]), int(li["height"]), int(li.get("batch_size", 1))
        elif latent and graph[latent]["class_type"] == "VAEEncode":
            loader = upstream(graph, latent, "pixels")
            source = self.inputs.get(str(graph[loader]["inputs"].get("image"))) if loader else None
            if source is not None:
                width, height = image_size(source)
        return Picture(
            text,
            int(inputs.get("seed", 0)),
            width,
            height,
            batch,
            float(inputs.get("denoise", 1.0)),
            source,
        )


def _ms() -> int:
    return int(time.time() * 1000)


__all__ = ["NODES", "Faults", "Job", "Record", "Runner"]
