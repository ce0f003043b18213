"""A ComfyUI instance in a thread: ComfyUI's real routes and websocket frames over a simulated
GPU (test equipment: no real ComfyUI can run here).

Routes (each also under ``/api``): ``POST /prompt`` (validated as ComfyUI does: 400 with
``node_errors``), ``GET /ws?clientId=``, ``GET /history/{id}``, ``GET /view``, ``GET``/``POST
/queue``, ``POST /upload/image``, ``POST /interrupt``, ``GET /system_stats``, ``GET
/object_info[/{class}]``. One prompt runs at a time; sampling takes ``step_s`` per step and a
checkpoint switch ``load_s``, both multiplied by ``time_scale``. Pictures are real PNGs drawn
from the prompt and seed (``_comfy_sim_draw``). Faults on demand: a node class that raises
(``execution_error``), the socket dropped after N sampling steps, the whole instance stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from typing import Any

from aiohttp import web

from ._comfy_sim_routes import COMFYUI_VERSION, SimRoutes
from ._comfy_sim_run import Faults, Record, Runner

__all__ = ["COMFYUI_VERSION", "DEFAULT_CHECKPOINTS", "ComfySim", "run_sim_cli"]

log = logging.getLogger(__name__)

DEFAULT_CHECKPOINTS = (
    "sd_xl_base_1.0.safetensors",
    "flux1-dev-fp8.safetensors",
    "v1-5-pruned-emaonly.safetensors",
)


class ComfySim(SimRoutes):
    """``with ComfySim(time_scale=0.01) as sim: sim.url``; faults set from any thread."""

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        checkpoints: tuple[str, ...] | list[str] = DEFAULT_CHECKPOINTS,
        step_s: float = 0.25,
        load_s: float = 3.0,
        decode_s: float = 0.3,
        time_scale: float = 1.0,
        vram: int = 24 * 10**9,
        gpu: str = "SimGPU",
    ) -> None:
        self.host, self.port = host, port
        self.checkpoints = list(checkpoints)
        self.step_s, self.load_s, self.decode_s = step_s, load_s, decode_s
        self.time_scale = time_scale
        self.vram, self.gpu = vram, gpu
        self.faults = Faults()
        self.runner: Runner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner_app: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ComfySim:
        if self.running:
            return self
        if not self.port:
            with socket.socket() as sock:
                sock.bind((self.host, 0))
                self.port = sock.getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # the port is taken, ...
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._thread = threading.Thread(target=serve, name=f"comfyui-sim:{self.port}", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise RuntimeError(f"the ComfyUI simulator could not start: {failure[0]}")
        return self

    def stop(self) -> None:
        """Stop serving (the instance is down: connections are refused)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)

    def __enter__(self) -> ComfySim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _open(self) -> None:
        self.runner = Runner(self)
        self._worker = asyncio.ensure_future(self.runner.work())
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for prefix in ("", "/api"):
            app.router.add_post(prefix + "/prompt", self._prompt)
            app.router.add_get(prefix + "/ws", self._ws)
            app.router.add_get(prefix + "/history/{prompt_id}", self._history)
            app.router.add_get(prefix + "/history", self._history)
            app.router.add_get(prefix + "/view", self._view)
            app.router.add_get(prefix + "/queue", self._queue)
            app.router.add_post(prefix + "/queue", self._queue_change)
            app.router.add_post(prefix + "/upload/image", self._upload)
            app.router.add_post(prefix + "/interrupt", self._interrupt)
            app.router.add_get(prefix + "/system_stats", self._stats)
            app.router.add_get(prefix + "/object_info", self._object_info)
            app.router.add_get(prefix + "/object_info/{node_class}", self._object_info)
        self._runner_app = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
        await self._runner_app.setup()
        await web.TCPSite(self._runner_app, self.host, self.port, reuse_address=True).start()

    async def _close(self) -> None:
        self._worker.cancel()
        if self.runner is not None:
            for sockets in list(self.runner.sockets.values()):
                for ws in list(sockets):
                    with contextlib.suppress(Exception):
                        await ws.close()
        if self._runner_app is not None:
            await self._runner_app.cleanup()

    # -- what tests read and set ---------------------------------------------------------------

    def clear_faults(self) -> None:
        self.faults = Faults()

    def fail_node(self, class_type: str, message: str = "simulated failure") -> None:
        self.faults = Faults(fail_class=class_type, fail_message=message)

    def drop_socket_after(self, steps: int) -> None:
        self.faults = Faults(drop_after_steps=steps)

    def records(self) -> list[Record]:
        return list(self.runner.records) if self.runner else []

    def prompts(self) -> list[dict[str, Any]]:
        """The graphs of every prompt that ran, oldest first."""
        if not self.runner:
            return []
        return [entry["prompt"][2] for entry in self.runner.history.values()]

    @property
    def interrupted(self) -> list[str]:
        return list(self.runner.interrupted) if self.runner else []

    @property
    def deleted(self) -> list[str]:
        return list(self.runner.deleted) if self.runner else []


def run_sim_cli(*, port: int, host: str, checkpoints: list[str], time_scale: float) -> None:
    """``alphaomega sim comfyui``: serve until Ctrl-C."""
    sim = ComfySim(
        port=port, host=host, checkpoints=checkpoints or DEFAULT_CHECKPOINTS, time_scale=time_scale
    ).start()
    log.warning("ComfyUI simulator (test equipment) on %s", sim.url)
    try:
        while sim.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
