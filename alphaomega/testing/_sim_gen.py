"""Running a generation or an embedding on the simulated GPU, with its timing and faults."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from alphaomega.testing._sim_http import Call, HttpError
from alphaomega.testing._sim_models import Fault, SimModel, SimRequest
from alphaomega.testing._sim_parse import Job, embed_inputs, keep_alive_of, resolve_model
from alphaomega.testing._sim_state import QueueFull, SimEngine
from alphaomega.testing._sim_text import count_words, embed_vector, normalize, split_tokens
from alphaomega.testing._sim_tools import formatted, thought, tool_call
from alphaomega.testing._sim_wire import SERVER_BUSY, Metrics, chat_final, generate_final

NS = 1_000_000_000
_MID_STREAM = ("cut_mid_stream", "stall_mid_stream")


class Output(Protocol):
    async def tokens(self, batch: list[str]) -> None: ...

    async def finish(self, text: str, reason: str, metrics: Metrics) -> None: ...

    async def thinking(self, batch: list[str]) -> None: ...

    async def tool_calls(self, calls: list[dict[str, Any]]) -> None: ...


class _Thoughts:
    """An output's thinking channel, paced like its tokens."""

    def __init__(self, out: Output) -> None:
        self.out = out

    async def tokens(self, batch: list[str]) -> None:
        await self.out.thinking(batch)


class Runner:
    def __init__(
        self,
        engine: SimEngine,
        reply: Callable[[SimRequest], str | Awaitable[str]],
        write_interval: float,
    ) -> None:
        self.engine = engine
        self.reply = reply
        self.write_interval = write_interval

    async def generate(self, call: Call, job: Job, out: Output) -> None:
        engine, model = self.engine, job.model
        arrived = time.monotonic()
        fault = call.fault
        if job.load_only:
            await self._load_only(call, job)
            return
        try:
            async with engine.admit(model, job.keep_alive, job.request.prompt[:200]) as load_wait:
                prompt_tokens = max(job.prompt_tokens, 1)
                await engine.sleep(prompt_tokens / model.prompt_tokens_per_second)
                if fault is not None and fault.kind == "slow_first_token":
                    await engine.sleep(fault.delay)
                request = job.request
                if await self._tool_call(job, out):
                    metrics = self._metrics(arrived, load_wait, prompt_tokens, 1, model)
                    await out.finish("", "stop", metrics)
                    return
                if request.think:
                    thoughts = split_tokens(thought(request.prompt))
                    if job.stream:
                        tps = model.tokens_per_second
                        await self._emit(call, thoughts, tps, True, _Thoughts(out), None)
                    else:
                        await out.thinking(thoughts)
                text = formatted(await self._reply(job), job.format)
                tokens = split_tokens(text)
                reason = "stop"
                if job.num_predict is not None and len(tokens) > job.num_predict:
                    tokens = tokens[: job.num_predict]
                    text, reason = "".join(tokens), "length"
                stop = fault if fault and fault.kind in _MID_STREAM else None
                await self._emit(call, tokens, model.tokens_per_second, job.stream, out, stop)
                metrics = self._metrics(arrived, load_wait, prompt_tokens, len(tokens), model)
                await out.finish(text, reason, metrics)
        except QueueFull:
            raise HttpError(503, SERVER_BUSY) from None

    @staticmethod
    async def _tool_call(job: Job, out: Output) -> bool:
        """Answers with a tool call when tools are offered and the person's message asks for
        one (after a tool's result, the model answers instead)."""
        request = job.request
        last = request.messages[-1] if request.messages else {}
        if not request.tools or last.get("role") != "user":
            return False
        found = tool_call(request.tools, request.prompt)
        if found is None:
            return False
        await out.tool_calls([found])
        return True

    async def _reply(self, job: Job) -> str:
        try:
            text = self.reply(job.request)
            if inspect.isawaitable(text):
                text = await text
        except Exception as exc:  # a test's reply function failed: say so, as a 500
            raise HttpError(500, f"reply function failed: {exc!r}") from exc
        if not isinstance(text, str):
            raise HttpError(500, f"reply function returned {type(text).__name__}, not str")
        return text

    async def _emit(
        self,
        call: Call,
        tokens: list[str],
        tps: float,
        stream: bool,
        out: Output,
        stop: Fault | None,
    ) -> None:
        """The tokens, paced; a mid-stream fault ``stop`` ends them after ``stop.after_tokens``:
        the connection dropped (cut) or left open with nothing more written (stall)."""
        if not stream and stop is None:
            await self.engine.sleep(max(len(tokens) - 1, 0) / tps)
            return
        sent = 0
        async for batch in self._paced(tokens, tps):
            if stop is not None and sent + len(batch) >= stop.after_tokens:
                if stop.after_tokens > sent:
                    await out.tokens(batch[: stop.after_tokens - sent])
                await _stop_writing(call, stop)
            await out.tokens(batch)
            sent += len(batch)
        if stop is not None:
            await _stop_writing(call, stop)  # after the last token, before the closing line

    async def _paced(self, tokens: list[str], tps: float) -> AsyncIterator[list[str]]:
        """Tokens at the model's speed. When they come faster than write_interval (a small
        time_scale), those due are sent together so 32 streams stay cheap."""
        interval = self.engine.real(1.0 / tps)
        start = time.monotonic()
        sent = 0
        while sent < len(tokens):
            now = time.monotonic()
            due = len(tokens)
            if interval > 0:
                due = min(due, int((now - start) / interval) + 1)
            if due > sent:
                yield tokens[sent:due]
                sent = due
                continue
            await asyncio.sleep(max(start + sent * interval - now, self.write_interval))

    def _metrics(
        self,
        arrived: float,
        load_wait: float,
        prompt_tokens: int,
        eval_tokens: int,
        model: SimModel,
    ) -> Metrics:
        scale = self.engine.time_scale
        load_ns = max(int(load_wait / scale * NS), 1000)
        prompt_ns = int(prompt_tokens / model.prompt_tokens_per_second * NS)
        eval_ns = int(eval_tokens / model.tokens_per_second * NS)
        elapsed_ns = int((time.monotonic() - arrived) / scale * NS)
        total_ns = max(elapsed_ns, load_ns + prompt_ns + eval_ns)
        return Metrics(total_ns, load_ns, prompt_tokens, prompt_ns, eval_tokens, eval_ns)

    async def _load_only(self, call: Call, job: Job) -> None:
        """No messages (or an empty prompt): load the model, or unload it with keep_alive 0."""
        generate = job.request.endpoint == "/api/generate"
        if job.keep_alive == 0:
            self.engine.unload(job.model.name)
            reason = "unload"
        else:
            try:
                async with self.engine.admit(job.model, job.keep_alive, "(load)"):
                    pass
            except QueueFull:
                raise HttpError(503, SERVER_BUSY) from None
            reason = "load"
        if generate:
            await call.respond_json(generate_final(job.label, "", reason, None, None))
        else:
            await call.respond_json(chat_final(job.label, "", reason, None))

    async def embed(self, call: Call, models: dict[str, SimModel]) -> None:
        body = call.body
        model = resolve_model(models, body.get("model"))
        inputs = embed_inputs(body)
        keep_alive = keep_alive_of(body)
        fault = call.fault
        arrived = time.monotonic()
        try:
            async with self.engine.admit(model, keep_alive, " | ".join(inputs)[:200]) as load_wait:
                if not inputs:
                    await call.respond_json({"model": body["model"], "embeddings": []})
                    return
                tokens = sum(count_words(text) for text in inputs) or 1
                await self.engine.sleep(tokens / model.prompt_tokens_per_second)
                if fault is not None and fault.kind == "slow_first_token":
                    await self.engine.sleep(fault.delay)
                if fault is not None and fault.kind in _MID_STREAM:
                    await _stop_writing(call, fault)
                vectors = [self._vector(text, model, body.get("dimensions")) for text in inputs]
        except QueueFull:
            raise HttpError(503, SERVER_BUSY) from None
        scale = self.engine.time_scale
        await call.respond_json(
            {
                "model": body["model"],
                "embeddings": vectors,
                "total_duration": int((time.monotonic() - arrived) / scale * NS),
                "load_duration": max(int(load_wait / scale * NS), 1000),
                "prompt_eval_count": tokens,
            }
        )

    @staticmethod
    def _vector(text: str, model: SimModel, dimensions: Any) -> list[float]:
        vector = embed_vector(text, model.embedding_length)
        if isinstance(dimensions, int) and 0 < dimensions < len(vector):
            vector = normalize(vector[:dimensions])  # Ollama truncates, then re-normalizes
        return vector


async def _stop_writing(call: Call, fault: Fault) -> None:
    """Never returns: the connection is dropped (cut) or kept with nothing sent (stall) until
    the client goes away."""
    if fault.kind == "cut_mid_stream":
        await call.crash()
    await call.hang()
