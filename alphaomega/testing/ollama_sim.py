"""An Ollama instance in a thread: the real wire protocol over a simulated GPU.

Test equipment, never a stand-in for a backend in a deployment. It speaks what Ollama speaks
(``/``, ``/api/version``, ``/api/tags``, ``/api/ps``, ``/api/show``, ``/api/chat``,
``/api/generate``, ``/api/embed``, ``/v1/models``, ``/v1/chat/completions``) and behaves like one
GPU: models take VRAM and load time, the least recently used idle model is evicted to make room,
``num_parallel`` slots serve requests and a FIFO queue holds the rest (503 past ``max_queue``),
tokens stream at each model's speed. ``time_scale`` shrinks every simulated duration (0.01 runs
a 10 s load in 0.1 s). Faults are switched on at run time::

    with OllamaSim(vram="24GB", num_parallel=4, time_scale=0.01) as sim:
        sim.fault("error_500", count=1)       # the next inference request answers 500
        sim.fault("cut_mid_stream", after_tokens=3)
        sim.fault("stall_mid_stream", after_tokens=3)  # then silence, the connection kept open
        sim.stop(); sim.start()               # killed, then back on the same port
        sim.stats().cold_loads

Replies come from ``replies`` (a queue), then ``reply(request)`` (a function, sync or async),
then a deterministic echo; tokens are words. Errors carry Ollama's own texts and statuses, as
its current source has them (e.g. 404 ``model 'x' not found``, 503 ``server busy, ...``).
Counters and faults outlive a restart; what is loaded does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

import uvicorn

from alphaomega.testing._sim_app import SimApp
from alphaomega.testing._sim_models import (
    CATALOG,
    DEFAULT_MODEL_NAMES,
    INFERENCE_PATHS,
    Fault,
    FaultKind,
    SimModel,
    SimRequest,
    SimStats,
    default_models,
    model_from_spec,
    parse_size,
)
from alphaomega.testing._sim_pull import SimPulls
from alphaomega.testing._sim_state import SimEngine

__all__ = [
    "CATALOG",
    "DEFAULT_MODEL_NAMES",
    "INFERENCE_PATHS",
    "OLLAMA_VERSION",
    "Fault",
    "FaultKind",
    "OllamaSim",
    "SimModel",
    "SimRequest",
    "SimStats",
    "model_from_spec",
    "parse_size",
    "run_sim_cli",
]

log = logging.getLogger(__name__)

OLLAMA_VERSION = "0.12.6"


class OllamaSim:
    """One simulated Ollama instance (one GPU), served from a background thread."""

    def __init__(
        self,
        models: Sequence[SimModel | str] | None = None,
        vram: int | str = "24GB",
        num_parallel: int = 1,
        max_queue: int = 512,
        time_scale: float = 1.0,
        keep_alive: float | None = 300.0,
        port: int = 0,
        host: str = "127.0.0.1",
        replies: Iterable[str] = (),
        reply: Callable[[SimRequest], str | Awaitable[str]] | None = None,
        version: str = OLLAMA_VERSION,
        write_interval: float = 0.005,
    ) -> None:
        """``models``: SimModel objects or names (catalog names, or 'name=SIZE'); default: the
        catalog. ``num_parallel`` and ``max_queue`` default to Ollama's OLLAMA_NUM_PARALLEL and
        OLLAMA_MAX_QUEUE. ``keep_alive``: simulated seconds an idle model stays loaded (5 min);
        None keeps it forever. ``replies`` are used first, in order; then ``reply(request)``;
        then an echo. ``write_interval``: the shortest real pause between two writes of a
        stream; tokens due sooner go out together."""
        chosen = [m if isinstance(m, SimModel) else model_from_spec(m) for m in models or ()]
        self.engine = SimEngine(
            chosen or default_models(),
            parse_size(vram),
            num_parallel,
            max_queue,
            time_scale,
            keep_alive,
        )
        self.app = SimApp(self.engine, version, reply, write_interval)
        self.app.replies.extend(replies)
        self.pulls = SimPulls(self.engine, self.app)  # /api/pull, failures on demand
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._socket: socket.socket | None = None

    # ---- life -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> OllamaSim:
        """Listen (again) on the same port. A restarted instance has nothing loaded."""
        with self._lock:
            if self.running:
                return self
            # proto=IPPROTO_TCP so that asyncio turns Nagle off on accepted connections
            # (it checks the proto); with Nagle on, every response waits for a delayed ACK.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(2048)  # connections made before the loop runs wait in the backlog
            self.port = sock.getsockname()[1]
            self.engine.reset()
            config = uvicorn.Config(
                self.app,
                lifespan="off",
                log_config=None,
                access_log=False,
                server_header=False,
                timeout_keep_alive=30,
                backlog=2048,
            )
            server = uvicorn.Server(config)
            self.app.connections = lambda: server.server_state.connections
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=self._run,
                args=(loop, server, sock),
                name=f"ollama-sim-{self.port}",
                daemon=True,
            )
            self._loop, self._server, self._socket, self._thread = loop, server, sock, thread
            thread.start()
            log.debug("Ollama simulator listening on %s", self.url)
            return self

    def _run(
        self, loop: asyncio.AbstractEventLoop, server: uvicorn.Server, sock: socket.socket
    ) -> None:
        asyncio.set_event_loop(loop)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(server.serve(sockets=[sock]))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        """Die like a killed process: stop listening and drop every open connection."""
        with self._lock:
            loop, thread = self._loop, self._thread
            if loop is None or thread is None or not thread.is_alive():
                return
            asyncio.run_coroutine_threadsafe(self._kill(), loop).result(timeout=10)
            thread.join(timeout=10)
            self._thread = self._loop = self._server = None

    async def _kill(self) -> None:
        server, sock = self._server, self._socket
        assert server is not None and sock is not None
        server.should_exit = server.force_exit = True
        for listener in getattr(server, "servers", []):
            listener.close()
        sock.close()
        for connection in list(server.server_state.connections):
            if connection.transport is not None:
                connection.transport.abort()
        # Each aborted request sees its client gone and ends itself; cancelling it from
        # outside instead would make uvicorn log a traceback per request.
        requests = set(server.server_state.tasks)
        if requests:
            await asyncio.wait(requests, timeout=2.0)
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def restart(self) -> OllamaSim:
        self.stop()
        return self.start()

    def __enter__(self) -> OllamaSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> OllamaSim:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    # ---- control from tests -----------------------------------------------------------------

    def fault(
        self,
        kind: FaultKind,
        count: int | None = None,
        *,
        after_tokens: int = 0,
        delay: float = 0.0,
        model: str | None = None,
        paths: Sequence[str] | None = None,
        message: str | None = None,
    ) -> None:
        """Switch a fault on, for the next ``count`` matching requests or until cleared.

        ``down`` stops the instance at once (connections refused until ``start()``).
        ``delay`` (slow_first_token) is in simulated seconds, like every duration here.
        ``paths`` defaults to the inference endpoints; ``("*",)`` hits every endpoint.
        """
        if kind == "down":
            if count is not None:
                raise ValueError("'down' has no count: call start() to bring it back")
            self.stop()
            return
        self.engine.add_fault(
            Fault(
                kind=kind,
                count=count,
                after_tokens=after_tokens,
                delay=delay,
                model=model,
                paths=tuple(paths) if paths else INFERENCE_PATHS,
                message=message,
            )
        )

    def clear_faults(self) -> None:
        self.engine.clear_faults()

    def queue_replies(self, *texts: str) -> None:
        """Replies used next, in order, before the reply function."""
        self.app.replies.extend(texts)

    def set_reply(self, reply: Callable[[SimRequest], str | Awaitable[str]] | None) -> None:
        """The reply function: a request in, the text out (or an awaitable of it, run on the
        simulator's own loop)."""
        self.app.reply_fn = reply

    def stats(self) -> SimStats:
        return self.engine.stats()

    def add_model(self, model: SimModel | str) -> SimModel:
        """A model pulled while the instance runs (listed by /api/tags from now on)."""
        added = model if isinstance(model, SimModel) else model_from_spec(model)
        self.engine.models[added.name] = added
        return added

    @property
    def models(self) -> list[SimModel]:
        return list(self.engine.models.values())


def run_sim_cli(
    port: int,
    host: str,
    models: list[str],
    gpu_vram: str,
    num_parallel: int,
    time_scale: float,
    max_queue: int = 512,
    keep_alive: float | None = 300.0,
) -> None:
    """Serve one simulated Ollama in the foreground until Ctrl-C."""
    sim = OllamaSim(
        models=models or None,
        vram=gpu_vram,
        num_parallel=num_parallel,
        time_scale=time_scale,
        port=port,
        host=host,
        max_queue=max_queue,
        keep_alive=keep_alive,
    )
    sim.start()
    log.info(
        "Ollama simulator on %s: %s GPU memory, %d slot(s), time scale %g, models: %s",
        sim.url,
        gpu_vram,
        num_parallel,
        time_scale,
        ", ".join(m.name for m in sim.models),
    )
    try:
        while sim.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        log.info("Ollama simulator on %s stopping", sim.url)
    finally:
        sim.stop()
