"""The ComfyUI simulator's routes, as ComfyUI's ``server.py`` answers them (a mixin of
``ComfySim``: the handlers read the simulator's runner, checkpoints and GPU)."""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from ._comfy_sim_nodes import object_info, validate

COMFYUI_VERSION = "0.3.68-sim"
CHECKPOINT_VRAM = 7 * 10**9
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class SimRoutes:
    runner: Any
    checkpoints: list[str]
    vram: int
    gpu: str

    async def _prompt(self, request: web.Request) -> web.Response:
        runner = self.runner
        assert runner is not None
        try:
            body = await request.json()
        except ValueError:
            return web.json_response(
                {"error": {"type": "invalid_json", "message": "bad JSON"}}, status=400
            )
        graph = body.get("prompt") if isinstance(body, dict) else None
        prompt_id = body.get("prompt_id") if isinstance(body, dict) else None
        if prompt_id is not None and not (isinstance(prompt_id, str) and _UUID.match(prompt_id)):
            error = {
                "type": "invalid_prompt",
                "message": "Invalid prompt_id",
                "details": "",
                "extra_info": {},
            }
            return web.json_response({"error": error, "node_errors": {}}, status=400)
        error, node_errors = validate(graph, self.checkpoints, list(runner.inputs))
        if error is not None:
            return web.json_response({"error": error, "node_errors": node_errors}, status=400)
        job = await runner.enqueue(graph, str(body.get("client_id") or ""), prompt_id)
        return web.json_response(
            {"prompt_id": job.prompt_id, "number": job.number, "node_errors": {}}
        )

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        runner = self.runner
        assert runner is not None
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        client_id = request.query.get("clientId") or request.query.get("clientid") or ""
        client_id = client_id or uuid.uuid4().hex
        runner.sockets.setdefault(client_id, set()).add(ws)
        try:
            await ws.send_json(runner.status_frame(client_id))
            async for message in ws:
                if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            runner.sockets.get(client_id, set()).discard(ws)
        return ws

    async def _history(self, request: web.Request) -> web.Response:
        assert self.runner is not None
        prompt_id = request.match_info.get("prompt_id")
        history = self.runner.history
        if prompt_id is None:
            return web.json_response(history)
        return web.json_response({prompt_id: history[prompt_id]} if prompt_id in history else {})

    async def _view(self, request: web.Request) -> web.Response:
        assert self.runner is not None
        q = request.query
        key = (q.get("type", "output"), q.get("subfolder", ""), q.get("filename", ""))
        data = self.runner.files.get(key)
        if data is None and key[0] == "input":
            data = self.runner.inputs.get(key[2])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/png")

    async def _queue(self, request: web.Request) -> web.Response:
        runner = self.runner
        assert runner is not None

        def entry(job: Any) -> list[Any]:
            return [job.number, job.prompt_id, job.graph, {"client_id": job.client_id}, []]

        running = [entry(runner.running)] if runner.running else []
        return web.json_response(
            {"queue_running": running, "queue_pending": [entry(j) for j in runner.pending]}
        )

    async def _queue_change(self, request: web.Request) -> web.Response:
        assert self.runner is not None
        body = await request.json()
        if body.get("clear"):
            self.runner.delete([j.prompt_id for j in self.runner.pending])
        if isinstance(body.get("delete"), list):
            self.runner.delete([str(i) for i in body["delete"]])
        await self.runner.broadcast_status()
        return web.Response(status=200)

    async def _upload(self, request: web.Request) -> web.Response:
        assert self.runner is not None
        form = await request.post()
        image = form.get("image")
        if not isinstance(image, web.FileField):
            return web.Response(status=400)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", image.filename or "upload.png")
        self.runner.inputs[name] = image.file.read()
        return web.json_response({"name": name, "subfolder": "", "type": "input"})

    async def _interrupt(self, request: web.Request) -> web.Response:
        assert self.runner is not None
        body: Any = {}
        if request.can_read_body:
            with contextlib.suppress(ValueError):
                body = await request.json()
        prompt_id = body.get("prompt_id") if isinstance(body, dict) else None
        self.runner.interrupt(prompt_id)
        return web.Response(status=200)

    async def _stats(self, request: web.Request) -> web.Response:
        assert self.runner is not None
        used = CHECKPOINT_VRAM if self.runner.loaded else 0
        device = {
            "name": f"cuda:0 {self.gpu}",
            "type": "cuda",
            "index": 0,
            "vram_total": self.vram,
            "vram_free": self.vram - used,
            "torch_vram_total": self.vram,
            "torch_vram_free": self.vram - used,
        }
        system = {
            "os": "posix",
            "python_version": "3.12",
            "comfyui_version": COMFYUI_VERSION,
            "embedded_python": False,
        }
        return web.json_response({"system": system, "devices": [device]})

    async def _object_info(self, request: web.Request) -> web.Response:
        assert self.runner is not None
        info = object_info(self.checkpoints, list(self.runner.inputs))
        name = request.match_info.get("node_class")
        if name is not None:
            return web.json_response({name: info[name]} if name in info else {})
        return web.json_response(info)
