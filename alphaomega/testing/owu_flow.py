"""One chat turn the way Open WebUI 0.12.4 drives a Pipelines server, for tests and benchmarks.

Per turn it calls every filter that applies to the model (``pipelines`` has the model or "*"),
lowest ``priority`` first, each inlet getting the body the previous one returned; then the chat
completion with the body the last inlet returned (its ``metadata`` left out, as Open WebUI sends
it to an OpenAI connection); then the outlets, with the reply appended as the assistant message
(with its usage); task requests (titles, tags) get no outlet. Bodies have the shape of the
recorded ones in the shared fixtures.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from .pipelines_server import PipelinesServer, streamed_text


@dataclass
class Turn:
    reply: str
    inlet_body: dict[str, Any]
    outlet_body: dict[str, Any]
    usage: dict[str, Any] | None = None
    payloads: list[Any] = field(default_factory=list)

    @property
    def shown_reply(self) -> str:
        """The assistant message after the outlets (what the page keeps)."""
        return str(self.outlet_body["messages"][-1].get("content") or "")


def user_record(user_id: str, name: str = "User") -> dict[str, Any]:
    return {"id": user_id, "email": f"{user_id}@localhost", "name": name, "role": "user"}


class OpenWebUIFlow:
    def __init__(self, server: PipelinesServer) -> None:
        self.server = server

    def filters_for(self, model: str) -> list[str]:
        filters = [m for m in self.server.models() if m["pipeline"]["type"] == "filter"]
        applying = [
            f
            for f in filters
            if "*" in f["pipeline"]["pipelines"] or model in f["pipeline"]["pipelines"]
        ]
        return [f["id"] for f in sorted(applying, key=lambda f: f["pipeline"]["priority"])]

    def inlet_body(
        self,
        model: str,
        messages: list[dict[str, Any]],
        user: dict[str, Any],
        *,
        stream: bool,
        chat_id: str,
        message_id: str,
        task: str | None = None,
    ) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "user_id": user["id"],
            "chat_id": chat_id,
            "message_id": message_id,
            "session_id": None,
            "filter_ids": [],
            "features": {},
            "variables": {},
            "model": {
                "id": model,
                "name": model,
                "object": "model",
                "owned_by": "openai",
                "pipeline": {"type": "manifold", "valves": True},
            },
            "direct": False,
        }
        if task:
            metadata["task"] = task
        return {"model": model, "stream": stream, "messages": messages, "metadata": metadata}

    def turn(
        self,
        model: str,
        content: Any,
        *,
        user: dict[str, Any],
        stream: bool = True,
        chat_id: str = "",
        history: list[dict[str, Any]] | None = None,
        task: str | None = None,
    ) -> Turn:
        message_id = uuid.uuid4().hex
        messages = [*(history or []), {"role": "user", "content": content}]
        body = self.inlet_body(
            model,
            copy.deepcopy(messages),
            user,
            stream=stream,
            chat_id=chat_id,
            message_id=message_id,
            task=task,
        )
        filters = self.filters_for(model)
        for filter_id in filters:
            response = self.server.inlet(filter_id, body, user)
            response.raise_for_status()
            body = response.json()
        inlet_body = copy.deepcopy(body)
        request = {k: v for k, v in body.items() if k != "metadata"}
        usage = None
        payloads: list[Any] = []
        if stream:
            payloads = self.server.stream(request["model"], request["messages"], **_extra(request))
            reply = streamed_text(payloads)
            usage = next(
                (p["usage"] for p in reversed(payloads) if isinstance(p, dict) and p.get("usage")),
                None,
            )
        else:
            completion = self.server.chat(request["model"], request["messages"], **_extra(request))
            reply = completion["choices"][0]["message"]["content"]
            usage = completion.get("usage")
        assistant = {"id": message_id, "role": "assistant", "content": reply}
        if usage:
            assistant["usage"] = usage
        outlet = {
            "model": body["model"],
            "messages": [*body["messages"], assistant],
            "chat_id": chat_id,
            "session_id": None,
            "id": message_id,
        }
        for filter_id in [] if task else filters:  # task requests get no outlet
            response = self.server.outlet(filter_id, outlet, user)
            response.raise_for_status()
            outlet = response.json()
        return Turn(
            reply=reply, inlet_body=inlet_body, outlet_body=outlet, usage=usage, payloads=payloads
        )


def _extra(request: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k not in ("model", "messages", "stream")}
