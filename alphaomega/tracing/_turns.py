"""One chat turn = one trace: what the inlet remembers and what the outlet completes (no I/O).

Trace id: ``Langfuse.create_trace_id(seed=f"{chat_id}:{message_id}")`` (the first 16 bytes of
the seed's SHA-256), so anyone holding a chat id and an assistant message id finds the trace.
API calls have no chat id; their seed is ``":" + <the outlet's message id>``.

How an outlet finds its inlet: by ``chat_id:message_id`` when the inlet had both (chats from
the web page), else by user, model and a digest of the last user message (API calls, where the
inlet has no message id yet). Task requests (``metadata.task``: titles, tags, follow-ups) get no
outlet from Open WebUI, so they are not recorded.

Verdicts other filters leave in the inlet body's ``metadata`` (this filter runs last on inlet,
so it sees them); each is recorded whole as trace metadata and summed up in a tag:

- ``alphaomega_route`` (routing): ``{"intent", "confidence", "stage", "reason"}``, optionally
  ``"model"`` -> ``route:<model or intent>``; a ``model`` there (or a plain string) is also the
  generation's model, the one that actually answered;
- ``alphaomega_memory`` (memory): ``{"outcome", "elapsed_ms", "hits": [...]}`` -> ``memory:hit``
  or ``memory:miss``, or ``memory:<outcome>`` when the search did not complete (timeout, busy,
  error, unavailable);
- ``alphaomega_safety`` (safety): ``{"stage", "action", ...}`` -> ``safety:<action>``
  (``allowed``, ``redacted``, ``blocked``); a ``verdict`` key or a plain string works too.

A filter may also put these keys in the outlet body's ``metadata``; one already seen at inlet is
then kept as well, as ``<key>_outlet``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, Field

from ..messages import is_task
from . import _bodies as bodies

META_ROUTE = "alphaomega_route"
META_MEMORY = "alphaomega_memory"
META_SAFETY = "alphaomega_safety"
VERDICT_KEYS = (META_ROUTE, META_MEMORY, META_SAFETY)
TRACE_NAME = "chat-turn"
_MAX_TAG = 200
# Memory outcomes of a search that ran to the end; the tag then tells whether it found anything.
_MEMORY_SEARCHED = ("ok", "empty")


class TurnStart(BaseModel):
    """What an inlet leaves for its outlet."""

    key: str
    start_ns: int
    chat_id: str = ""
    message_id: str = ""
    user_id: str = ""
    model: str = ""
    messages: list[dict[str, str]] = Field(default_factory=list)
    verdicts: dict[str, Any] = Field(default_factory=dict)


class TurnRecord(BaseModel):
    """A finished turn, ready to become a trace with one generation."""

    trace_id: str
    name: str = TRACE_NAME
    chat_id: str = ""
    message_id: str = ""
    session_id: str | None = None
    user_id: str | None = None
    model: str = ""
    generation_model: str = ""
    tags: list[str] = Field(default_factory=list)
    input_messages: list[dict[str, str]] = Field(default_factory=list)
    output: str = ""
    finish_reason: str | None = None
    usage: dict[str, int] = Field(default_factory=dict)
    start_ns: int
    end_ns: int
    completion_start_ns: int | None = None
    verdicts: dict[str, Any] = Field(default_factory=dict)
    inlet_seen: bool = True

    @property
    def latency_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def ttft_ms(self) -> float | None:
        if self.completion_start_ns is None:
            return None
        return (self.completion_start_ns - self.start_ns) / 1e6


def trace_id_for(chat_id: str, message_id: str) -> str:
    """Same as ``langfuse.Langfuse.create_trace_id(seed=f"{chat_id}:{message_id}")``."""
    return hashlib.sha256(f"{chat_id}:{message_id}".encode()).digest()[:16].hex()


def is_sampled(trace_id: str, rate: float) -> bool:
    """Keep or drop a whole turn by its id, so a retried export keeps the same decision."""
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    return int(trace_id[:16], 16) / float(1 << 64) < rate


def user_id_of(body: dict[str, Any], user: dict[str, Any] | None) -> str:
    if isinstance(user, dict) and user.get("id"):
        return str(user["id"])
    return str(bodies.metadata(body).get("user_id") or "")


def fallback_key(user_id: str, model: str, messages: Any) -> str:
    return f"~{user_id}:{model}:{bodies.digest(bodies.last_user_text(messages))}"


def start_turn(
    body: dict[str, Any],
    user: dict[str, Any] | None,
    now_ns: int,
    *,
    max_chars: int = 4000,
    max_messages: int = 20,
) -> TurnStart | None:
    """The inlet's record, or ``None`` for a task request."""
    if is_task(body):
        return None
    meta = bodies.metadata(body)
    chat_id = str(meta.get("chat_id") or body.get("chat_id") or "")
    message_id = str(meta.get("message_id") or "")
    user_id = user_id_of(body, user)
    model = str(body.get("model") or "")
    messages = body.get("messages")
    key = (
        f"{chat_id}:{message_id}"
        if chat_id and message_id
        else fallback_key(user_id, model, messages)
    )
    return TurnStart(
        key=key,
        start_ns=now_ns,
        chat_id=chat_id,
        message_id=message_id,
        user_id=user_id,
        model=model,
        messages=bodies.trace_messages(messages, max_chars=max_chars, max_messages=max_messages),
        verdicts={k: meta[k] for k in VERDICT_KEYS if meta.get(k) is not None},
    )


def outlet_keys(body: dict[str, Any], user: dict[str, Any] | None) -> list[str]:
    """Keys an outlet's inlet may be stored under, the exact one first."""
    keys = []
    chat_id, message_id = str(body.get("chat_id") or ""), str(body.get("id") or "")
    if chat_id and message_id:
        keys.append(f"{chat_id}:{message_id}")
    answer = bodies.answered_message(body)
    earlier = bodies.messages_before(body, answer)
    keys.append(fallback_key(user_id_of(body, user), str(body.get("model") or ""), earlier))
    return keys


def finish_turn(
    start: TurnStart | None,
    body: dict[str, Any],
    user: dict[str, Any] | None,
    now_ns: int,
    *,
    max_chars: int = 4000,
    max_messages: int = 20,
) -> TurnRecord | None:
    """The trace of a turn from its outlet body (and its inlet, when one was seen)."""
    answer = bodies.answered_message(body)
    if answer is None:
        return None
    chat_id = str(body.get("chat_id") or (start.chat_id if start else "") or "")
    message_id = str(body.get("id") or answer.get("id") or (start.message_id if start else ""))
    start_ns = min(start.start_ns, now_ns) if start else now_ns
    if message_id:
        trace_id = trace_id_for(chat_id, message_id)
    else:  # nothing stable to derive from: unique instead of deterministic
        trace_id = trace_id_for(chat_id, f"{start.key if start else ''}@{start_ns}")
    verdicts = dict(start.verdicts) if start else {}
    for key, value in bodies.metadata(body).items():
        # An outlet-stage verdict (a reply redacted or withheld) sits beside the inlet's.
        if key in VERDICT_KEYS and value is not None:
            verdicts[f"{key}_outlet" if key in verdicts else key] = value
    usage = bodies.usage_of(answer, body)
    ttft_ms = bodies.ttft_ms_of(usage, answer)
    completion_start_ns = None
    if ttft_ms is not None:
        completion_start_ns = min(start_ns + int(ttft_ms * 1e6), now_ns)
    model = str(body.get("model") or (start.model if start else ""))
    if start:
        messages = start.messages
    else:
        messages = bodies.trace_messages(
            bodies.messages_before(body, answer), max_chars=max_chars, max_messages=max_messages
        )
    finish_reason = answer.get("finish_reason")
    return TurnRecord(
        trace_id=trace_id,
        chat_id=chat_id,
        message_id=message_id,
        session_id=chat_id or None,
        user_id=user_id_of(body, user) or (start.user_id if start else "") or None,
        model=model,
        generation_model=_routed_model(verdicts.get(META_ROUTE)) or model,
        tags=turn_tags(model, verdicts),
        input_messages=messages,
        output=bodies.cut(bodies.text_of(answer.get("content")), max_chars),
        finish_reason=str(finish_reason) if finish_reason else None,
        usage=bodies.usage_details(usage),
        start_ns=start_ns,
        end_ns=max(now_ns, start_ns),
        completion_start_ns=completion_start_ns,
        verdicts=verdicts,
        inlet_seen=start is not None,
    )


def turn_tags(model: str, verdicts: dict[str, Any]) -> list[str]:
    tags = [f"model:{model}"] if model else []
    route = verdicts.get(META_ROUTE)
    routed = _routed_model(route) or (route.get("intent") if isinstance(route, dict) else "")
    if isinstance(routed, str) and routed:
        tags.append(f"route:{routed}")
    memory = verdicts.get(META_MEMORY)
    if isinstance(memory, dict):
        outcome = memory.get("outcome") or memory.get("status")
        if outcome and outcome not in _MEMORY_SEARCHED:
            tags.append(f"memory:{outcome}")
        elif "hits" in memory:
            hits = memory["hits"]
            count = len(hits) if isinstance(hits, list | tuple) else hits
            tags.append("memory:hit" if isinstance(count, int) and count > 0 else "memory:miss")
    for safety in (verdicts.get(META_SAFETY), verdicts.get(f"{META_SAFETY}_outlet")):
        if isinstance(safety, dict):
            safety = safety.get("verdict") or safety.get("action")
        if isinstance(safety, str) and safety:
            tags.append(f"safety:{safety}")
    return [tag[:_MAX_TAG] for tag in dict.fromkeys(tags)]


def _routed_model(route: Any) -> str:
    if isinstance(route, str):
        return route
    if isinstance(route, dict):
        for key in ("model", "target"):
            if isinstance(route.get(key), str) and route[key]:
                return route[key]
    return ""
