"""The simulator's ASGI application: Ollama's routes, faults on entry, and counting outcomes."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from alphaomega.testing._sim_gen import NS, Runner
from alphaomega.testing._sim_http import TEXT, Call, HttpError, run_watched
from alphaomega.testing._sim_models import INFERENCE_PATHS, SimRequest, normalize_model_name
from alphaomega.testing._sim_out import OllamaOut, OpenAIOut
from alphaomega.testing._sim_parse import chat_job, generate_job, openai_job, resolve_model
from alphaomega.testing._sim_state import SimEngine
from alphaomega.testing._sim_text import default_reply, go_time
from alphaomega.testing._sim_wire import (
    RUNNER_DIED,
    SERVER_BUSY,
    openai_models,
    ps_entry,
    show,
    tags,
)

Handler = Callable[[Call], Awaitable[None]]
_GENERATION_PATHS = ("/api/chat", "/api/generate", "/api/embed", "/v1/chat/completions")


class SimApp:
    def __init__(
        self,
        engine: SimEngine,
        version: str,
        reply: Callable[[SimRequest], str | Awaitable[str]] | None,
        write_interval: float,
    ) -> None:
        self.engine = engine
        self.version = version
        self.replies: deque[str] = deque()
        self.reply_fn = reply
        self.runner = Runner(engine, self._next_reply, write_interval)
        modified_ns = time.time_ns() - 7 * 86400 * NS
        self.modified_at = go_time(modified_ns)
        self.created = modified_ns // NS
        # Set by the server wrapper: the live connections, so a crash can drop one.
        self.connections: Callable[[], Iterable[Any]] = lambda: ()
        get = ("GET", "HEAD")
        self._routes: dict[tuple[str, str], Handler] = {}
        for path, methods, handler in (
            ("/", get, self._root),
            ("/api/version", get, self._version),
            ("/api/tags", get, self._tags),
            ("/api/ps", ("GET",), self._ps),
            ("/api/show", ("POST",), self._show),
            ("/api/chat", ("POST",), self._chat),
            ("/api/generate", ("POST",), self._generate),
            ("/api/embed", ("POST",), self._embed),
            ("/v1/models", ("GET",), self._openai_models),
            ("/v1/chat/completions", ("POST",), self._openai_chat),
        ):
            for method in methods:
                self._routes[(method, path)] = handler

    def _next_reply(self, request: SimRequest) -> str | Awaitable[str]:
        try:
            return self.replies.popleft()
        except IndexError:
            pass
        return (self.reply_fn or default_reply)(request)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        call = Call(scope, receive, send, self.connections)
        handler = self._routes.get((call.method, call.path))
        if handler is None:
            await call.respond(404, b"404 page not found", TEXT)  # gin's default
            return
        inference = call.path in INFERENCE_PATHS
        if inference:
            self.engine.count("requests", path=call.path)
        served = False
        model: str | None = None
        try:
            if call.method == "POST":
                await call.read_json()
                if isinstance(call.body.get("model"), str):
                    model = normalize_model_name(call.body["model"])
            call.fault = self.engine.take_fault(call.path, model)
            served = await run_watched(lambda c: self._faulted(handler, c), call)
        except HttpError as error:
            if error.status == 503:
                self.engine.count("rejected")
            if not call.started:
                await call.fail(error)
        finally:
            if inference:
                self.engine.count("served" if served else "failed", model)

    async def _faulted(self, handler: Handler, call: Call) -> None:
        fault = call.fault
        if fault is not None:
            if fault.kind == "refuse":
                raise HttpError(503, fault.message or SERVER_BUSY)
            if fault.kind == "error_500":
                raise HttpError(500, fault.message or RUNNER_DIED)
            if fault.kind == "hang":
                await call.hang()
            if fault.kind == "cut_mid_stream" and call.path not in _GENERATION_PATHS:
                await call.crash()
            if fault.kind == "stall_mid_stream" and call.path not in _GENERATION_PATHS:
                await call.hang()
        await handler(call)

    # ---- what the instance has -------------------------------------------------------------

    async def _root(self, call: Call) -> None:
        await call.respond(200, b"Ollama is running", TEXT)

    async def _version(self, call: Call) -> None:
        await call.respond_json({"version": self.version})

    async def _tags(self, call: Call) -> None:
        await call.respond_json(tags(list(self.engine.models.values()), self.modified_at))

    async def _ps(self, call: Call) -> None:
        now = time.monotonic()
        default = self.engine.keep_alive
        entries = []
        for resident in self.engine.residents():
            if not resident.ready.is_set():
                continue  # Ollama lists a runner only once its load is done
            if resident.refs > 0:  # busy: the clock starts when it goes idle
                expires_in = None if default is None or default < 0 else int(default * NS)
            elif resident.expires is None:
                expires_in = None
            else:
                expires_in = int((resident.expires - now) / self.engine.time_scale * NS)
            entries.append((expires_in, ps_entry(resident.model, resident.size_vram, expires_in)))
        # Longest time left first, as Ollama sorts them.
        entries.sort(key=lambda e: float("inf") if e[0] is None else e[0], reverse=True)
        await call.respond_json({"models": [entry for _, entry in entries]})

    async def _show(self, call: Call) -> None:
        name = call.body.get("model") or call.body.get("name")
        model = resolve_model(self.engine.models, name)
        await call.respond_json(show(model, self.modified_at))

    async def _openai_models(self, call: Call) -> None:
        await call.respond_json(openai_models(list(self.engine.models.values()), self.created))

    # ---- inference -------------------------------------------------------------------------

    async def _chat(self, call: Call) -> None:
        job = chat_job(self.engine.models, call.body, call.path)
        await self.runner.generate(call, job, OllamaOut(call, job.label, False, job.stream))

    async def _generate(self, call: Call) -> None:
        job = generate_job(self.engine.models, call.body, call.path)
        await self.runner.generate(call, job, OllamaOut(call, job.label, True, job.stream))

    async def _embed(self, call: Call) -> None:
        await self.runner.embed(call, self.engine.models)

    async def _openai_chat(self, call: Call) -> None:
        job, include_usage = openai_job(self.engine.models, call.body, call.path)
        await self.runner.generate(call, job, OpenAIOut(call, job.label, job.stream, include_usage))
