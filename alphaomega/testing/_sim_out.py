"""How a generation is written back: Ollama NDJSON (chat or generate) or OpenAI SSE / JSON."""

from __future__ import annotations

import random
import time
from typing import Any

from alphaomega.testing._sim_http import EVENT_STREAM, NDJSON, Call
from alphaomega.testing._sim_text import context_ids, go_time
from alphaomega.testing._sim_wire import (
    SSE_DONE,
    Metrics,
    chat_final,
    chat_line,
    dumps,
    generate_final,
    generate_line,
    openai_chunk,
    openai_completion,
    openai_usage,
    sse,
    thinking_line,
    tool_calls_line,
)


class OllamaOut:
    """/api/chat and /api/generate: one NDJSON line per token, then the line with the metrics."""

    def __init__(self, call: Call, label: str, generate: bool, stream: bool) -> None:
        self.call = call
        self.label = label
        self.generate = generate
        self.stream = stream
        self.thought: list[str] = []
        self.calls: list[dict[str, Any]] = []

    async def thinking(self, batch: list[str]) -> None:
        self.thought += batch
        if self.stream:
            await self._line(b"".join(thinking_line(self.label, t, go_time()) for t in batch))

    async def tool_calls(self, calls: list[dict[str, Any]]) -> None:
        # Ollama numbers each call and gives it an id.
        self.calls = [
            {
                "id": f"call_{random.getrandbits(32):08x}",
                **call,
                "function": {"index": i, **call["function"]},
            }
            for i, call in enumerate(calls)
        ]
        if self.stream:
            await self._line(tool_calls_line(self.label, self.calls, go_time()))

    async def _line(self, data: bytes) -> None:
        if not self.call.started:
            await self.call.start(NDJSON)
        await self.call.write(data)

    async def tokens(self, batch: list[str]) -> None:
        if not self.stream:
            return
        if not self.call.started:  # headers go with the first token, as Ollama's do
            await self.call.start(NDJSON)
        created_at = go_time()
        line = generate_line if self.generate else chat_line
        await self.call.write(b"".join(line(self.label, token, created_at) for token in batch))

    async def finish(self, text: str, reason: str, metrics: Metrics) -> None:
        content = "" if self.stream else text
        if self.generate:
            count = metrics.prompt_eval_count + metrics.eval_count
            final = generate_final(self.label, content, reason, metrics, context_ids(count))
        else:
            final = chat_final(self.label, content, reason, metrics)
            if not self.stream and self.thought:
                final["message"]["thinking"] = "".join(self.thought)
            if not self.stream and self.calls:
                final["message"]["tool_calls"] = self.calls
        if self.stream:
            if not self.call.started:
                await self.call.start(NDJSON)
            await self.call.end(dumps(final) + b"\n")
        else:
            await self.call.respond_json(final)


class OpenAIOut:
    """/v1/chat/completions: SSE chunks as Ollama's middleware writes them, or one JSON."""

    def __init__(self, call: Call, label: str, stream: bool, include_usage: bool) -> None:
        self.call = call
        self.label = label
        self.stream = stream
        self.include_usage = include_usage
        self.id = f"chatcmpl-{random.randrange(999)}"  # Ollama's own id scheme
        self.created = int(time.time())
        self._role_sent = False
        self.shaped_calls: list[dict[str, Any]] = []

    def _delta(self, token: str) -> bytes:
        delta = {"content": token}
        if not self._role_sent:
            delta = {"role": "assistant", "content": token}
            self._role_sent = True
        return sse(openai_chunk(self.id, self.created, self.label, delta))

    async def tokens(self, batch: list[str]) -> None:
        if self.stream:
            if not self.call.started:
                await self.call.start(EVENT_STREAM)
            await self.call.write(b"".join(self._delta(token) for token in batch))

    async def thinking(self, batch: list[str]) -> None:
        if self.stream:
            if not self.call.started:
                await self.call.start(EVENT_STREAM)
            await self.call.write(
                b"".join(
                    sse(openai_chunk(self.id, self.created, self.label, {"reasoning": t}))
                    for t in batch
                )
            )

    async def tool_calls(self, calls: list[dict[str, Any]]) -> None:
        shaped = [
            {
                "id": f"call_{random.getrandbits(32):08x}",
                "index": i,
                "type": "function",
                "function": {
                    "name": c["function"]["name"],
                    "arguments": dumps(c["function"]["arguments"]).decode(),
                },
            }
            for i, c in enumerate(calls)
        ]
        self.shaped_calls = shaped
        if self.stream:
            if not self.call.started:
                await self.call.start(EVENT_STREAM)
            delta = {"role": "assistant", "content": "", "tool_calls": shaped}
            self._role_sent = True
            await self.call.write(sse(openai_chunk(self.id, self.created, self.label, delta)))

    async def finish(self, text: str, reason: str, metrics: Metrics) -> None:
        if self.shaped_calls:
            reason = "tool_calls"
        if not self.stream:
            body = openai_completion(self.id, self.created, self.label, text, reason, metrics)
            if self.shaped_calls:
                message = body["choices"][0]["message"]
                message["content"] = None
                message["tool_calls"] = [
                    {k: v for k, v in c.items() if k != "index"} for c in self.shaped_calls
                ]
            await self.call.respond_json(body)
            return
        if not self.call.started:
            await self.call.start(EVENT_STREAM)
        out = b"" if self._role_sent else self._delta("")  # an empty reply still opens with a role
        finish = openai_chunk(self.id, self.created, self.label, {}, reason)
        out += sse(finish)
        if self.include_usage:
            out += sse(finish | {"choices": [], "usage": openai_usage(metrics)})
        await self.call.end(out + SSE_DONE)
