"""Measure how the pack meets malformed chat requests and Open WebUI's file markup.

The set (``bench/data/faults_heldout.jsonl``) was written before the checks it measures, in
shapes of its own, and is not used to tune them. Two kinds of rows:

- ``request``: a chat body, ``bad`` or not. At the door (the pack's ASGI front, for any model)
  a bad body must be refused with a readable reason and a good one let through. In the pipe (a
  stock server, ``ALPHAOMEGA_NATIVE=0``; here the Code model) a bad body must end as a readable
  answer that never reached the backend, and a good one a text model serves must reach it.
- ``attached``: a person's text as Open WebUI sends it with a file attached; what reaches the
  backend must be the text without the ``<attached_files>`` markup.

Run ``python bench/faults.py``; it writes ``bench/results/faults.json``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alphaomega import chat, messages  # noqa: E402
from alphaomega.fleet import ChatDelta, ChatRequest  # noqa: E402
from alphaomega.pipes import FleetChatModel  # noqa: E402

DATA = ROOT / "bench" / "data" / "faults_heldout.jsonl"
OUTPUT = ROOT / "bench" / "results" / "faults.json"


class RecordingFleet:
    """A fleet that keeps what would go to the backend and encodes it as the client does."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []

    def is_loaded(self, model: str) -> bool:
        return True

    async def chat(self, request: ChatRequest, affinity: str | None = None) -> AsyncIterator:
        self.requests.append(request)
        orjson.dumps(request.model_dump())  # the wire encoding: huge integers fail here
        yield ChatDelta(content="ok")
        yield ChatDelta(done=True, done_reason="stop")


async def reply_text(body: Any) -> tuple[str, RecordingFleet]:
    fleet = RecordingFleet()
    core = FleetChatModel("code", fleet=fleet)  # type: ignore[arg-type]
    model = body.get("model", "m") if isinstance(body, dict) else "m"
    msgs = body.get("messages") if isinstance(body, dict) else body
    events = core.events(body if isinstance(body, dict) else {}, str(model), msgs)
    parts = [e.text async for e in events if isinstance(e, chat.Text)]
    return "".join(parts), fleet


def door_problem(body: Any) -> str | None:
    check = getattr(messages, "chat_request_problem", None)
    return check(body) if check else None


async def measure() -> dict[str, Any]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    door = {"bad_refused": 0, "bad": 0, "good_passed": 0, "good": 0, "misses": []}
    pipe = {"bad_readable": 0, "bad": 0, "good_reached": 0, "good": 0, "misses": []}
    attached = {"clean": 0, "total": 0, "misses": []}
    for row in rows:
        if row["kind"] == "request":
            body, bad = row["body"], row["bad"]
            refused = door_problem(body) is not None
            door["bad" if bad else "good"] += 1
            if refused == bad:
                door["bad_refused" if bad else "good_passed"] += 1
            else:
                door["misses"].append(row["name"])
            try:
                text, fleet = await reply_text(body)
            except Exception as exc:  # the pipe itself raised: the person sees nothing readable
                text, fleet = f"raised {exc!r}", RecordingFleet()
            if not bad and not row.get("text_model", True):
                continue  # a text model rightly refuses it; the Vision model is another matter
            pipe["bad" if bad else "good"] += 1
            reached = bool(fleet.requests) and text == "ok"
            readable = not reached and text.startswith("⚠️") and "internal error" not in text
            if (bad and readable) or (not bad and reached):
                pipe["bad_readable" if bad else "good_reached"] += 1
            else:
                pipe["misses"].append(f"{row['name']}: {text[:100]}")
        else:
            body = {"model": "m", "messages": [{"role": "user", "content": row["text"]}]}
            _, fleet = await reply_text(body)
            sent = fleet.requests[0].messages[-1].content if fleet.requests else None
            attached["total"] += 1
            if sent == row["expected"]:
                attached["clean"] += 1
            else:
                attached["misses"].append(f"{row['name']}: {sent!r}"[:160])
    return {"door": door, "pipe": pipe, "attached": attached}


def main() -> None:
    result = asyncio.run(measure())
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    door, pipe, attached = result["door"], result["pipe"], result["attached"]
    sys.stdout.write(
        f"door: {door['bad_refused']}/{door['bad']} bad refused, "
        f"{door['good_passed']}/{door['good']} good passed\n"
        f"pipe: {pipe['bad_readable']}/{pipe['bad']} bad answered readably before the backend, "
        f"{pipe['good_reached']}/{pipe['good']} good reached it\n"
        f"attached: {attached['clean']}/{attached['total']} texts reach the backend clean\n"
    )


if __name__ == "__main__":
    main()
