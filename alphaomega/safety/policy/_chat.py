"""Applying the policy to the chat bodies Open WebUI hands a Pipelines filter. Pure; no I/O.

How a block reaches the person — why the filter rewrites the body instead of raising
(read in the Open WebUI 0.12.4 wheel and reproduced against the real Pipelines server):

- The Pipelines server's ``filter_inlet`` (its ``main.py``) turns any exception of ``inlet``
  into ``HTTPException(500, detail=str(e))``: the filter cannot choose the status.
- Open WebUI's ``process_pipeline_inlet_filter`` (``backend/open_webui/routers/pipelines.py``)
  calls ``response.raise_for_status()`` inside ``async with session.post(...)`` and reads
  ``await response.json()`` only in the ``except aiohttp.ClientResponseError`` branch, after the
  ``async with`` has released the response. That read fails ("Connection closed"), the
  ``detail`` is lost, and it raises ``HTTPException(status, detail=e.message)`` — the reason
  phrase. ``process_chat_payload`` (``utils/middleware.py``) re-raises, and ``chat_completion``
  (``main.py``, inner ``process_chat``) stores ``e.detail`` as the message's error and emits
  ``chat:message:error`` — so the chat shows a bare "Internal Server Error"; an API caller gets
  HTTP 500 ``{"detail": "Internal Server Error"}``. Nothing a filter raises can be read.
- The body an inlet returns replaces the payload (``payload = await response.json()``), and
  top-level keys survive to the Pipelines ``/chat/completions`` (``routers/openai.py``
  ``generate_chat_completion`` copies the form minus ``metadata``; the Pipelines form allows
  extra keys), so a blocked request is rewritten instead:

  1. the conversation the model sees becomes only a relay: a system line and the notice between
     ``<safety-notice>`` tags — the blocked text never reaches any model;
  2. for models served by a Pipelines server (``metadata.model.pipeline`` is set) the body also
     carries ``alphaomega_safety_notice``: the pack's pipes answer it verbatim without a model
     call (``blocked_notice(body)``), streamed or not;
  3. in the outlet (``outlet_filter_handler`` in ``utils/middleware.py`` saves changed
     ``content``/``output`` and emits ``chat:outlet``, which ``Chat.svelte`` applies) the reply
     of a blocked turn is replaced by the exact notice, whatever a foreign model made of the relay.

Checked end to end against Open WebUI 0.12.4 and the Pipelines server: a raising filter gave
``500 {"detail": "Internal Server Error"}`` on ``/api/chat/completions``, streamed or not; with
this rewrite a pipe honouring the notice key answered the exact notice (API and web page,
``stream`` true and false), and in the web page an echoing foreign model's reply was replaced by
the exact notice, in the page and in the stored chat. Limit: an API caller of a foreign model
gets that model's rendering of the relay (Open WebUI does not apply outlet edits to API replies).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ...replies import REPLY_KEY, preset_reply, served_by_pipelines
from .._audit import content_sha256
from ..redact import Finding, redact
from ._check import TURN_WINDOW, check_input, check_turns
from ._model import ALLOWED, SafetyPolicy, Verdict, check_output

NOTICE_KEY = REPLY_KEY
METADATA_KEY = "alphaomega_safety"
REDACT_ROLES = frozenset({"user", "assistant"})
RELAY_SYSTEM = (
    "You pass on a notice from this chat's safety filter. Reply with exactly the text between "
    "<safety-notice> and </safety-notice>, without the tags, and nothing else."
)
WITHHELD = "[message withheld by the safety policy: rule {rule}]"
_RELAY = re.compile(r'^\s*<safety-notice rule="([^"]*)">\n(.*)\n</safety-notice>\s*$', re.DOTALL)
# Keys that would let a blocked turn still run tools, retrieval or code before the model answers.
_DROP_ON_BLOCK = (
    "tools",
    "tool_ids",
    "tool_choice",
    "functions",
    "function_call",
    "files",
    "skill_ids",
    "terminal_id",
    "tool_servers",
)

Action = Literal["allowed", "redacted", "blocked"]


@dataclass(frozen=True)
class AuditItem:
    rule: str
    action: str
    content_sha256: str
    count: int = 1


@dataclass
class Screening:
    """What a filter hook returns and records."""

    body: dict[str, Any]
    action: Action = "allowed"
    verdict: Verdict = ALLOWED
    redactions: Counter[str] = field(default_factory=Counter)
    withheld: int = 0
    audit: list[AuditItem] = field(default_factory=list)

    def record(self, stage: str) -> dict[str, Any]:
        """The summary for ``body["metadata"]["alphaomega_safety"]`` (no content)."""
        summary: dict[str, Any] = {"stage": stage, "action": self.action}
        if not self.verdict.allowed:
            summary.update(
                rule=self.verdict.rule, category=self.verdict.category, reason=self.verdict.reason
            )
        if self.redactions:
            summary["redactions"] = dict(self.redactions)
        if self.withheld:
            summary["withheld"] = self.withheld
        return summary


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def map_text(content: Any, change: Callable[[str], str]) -> Any:
    """``content`` (a string or a list of parts) with ``change`` applied to every text."""
    if isinstance(content, str):
        return change(content)
    if isinstance(content, list):
        return [
            {**part, "text": change(part["text"])}
            if isinstance(part, dict) and isinstance(part.get("text"), str)
            else part
            for part in content
        ]
    return content


def blocked_notice(body: dict[str, Any]) -> str | None:
    """For the pack's pipes: the text to answer verbatim when the safety filter blocked the turn."""
    return preset_reply(body)


def relay_body(body: dict[str, Any], verdict: Verdict) -> dict[str, Any]:
    """``body`` with the conversation replaced by a relay of the block notice."""
    notice = verdict.notice()
    relayed = {k: v for k, v in body.items() if k not in _DROP_ON_BLOCK}
    relayed["messages"] = [
        {"role": "system", "content": RELAY_SYSTEM},
        {
            "role": "user",
            "content": f'<safety-notice rule="{verdict.rule}">\n{notice}\n</safety-notice>',
        },
    ]
    if "features" in body:
        relayed["features"] = {}
    if served_by_pipelines(body):
        relayed[NOTICE_KEY] = notice
    return relayed


def _last_index(messages: list[Any], role: str, before: int | None = None) -> int | None:
    stop = len(messages) if before is None else before
    for i in range(stop - 1, -1, -1):
        if isinstance(messages[i], dict) and messages[i].get("role") == role:
            return i
    return None


def user_turns(messages: list[Any], upto: int) -> list[str]:
    """The texts of the person's messages up to ``messages[upto]``, newest last (a window)."""
    texts: list[str] = []
    for message in reversed(messages[: upto + 1]):
        if isinstance(message, dict) and message.get("role") == "user":
            texts.append(text_of(message.get("content")))
            if len(texts) == TURN_WINDOW:
                break
    return texts[::-1]


def screen_request(
    body: dict[str, Any], policy: SafetyPolicy, *, check_blocks: bool = True
) -> Screening:
    """The inlet: block the newest user message or mask what it and the history contain.

    The newest message is read alone and joined with the person's previous ones (a hit must
    reach into the newest); those previous ones are never masked or withheld for it.

    Earlier user messages that a rule blocks are replaced by a placeholder, so a blocked turn
    kept in the chat history does not reach the model on the next turn. Only the newest message
    produces audit items; the history was audited when it was new.
    """
    messages = body.get("messages")
    if not isinstance(messages, list):
        return Screening(body=body)
    newest = _last_index(messages, "user")
    if newest is not None and check_blocks:
        original = text_of(messages[newest].get("content"))
        verdict = check_turns(user_turns(messages, newest), policy)
        if not verdict.allowed:
            audit = [AuditItem(verdict.rule or "", "blocked", content_sha256(original))]
            return Screening(relay_body(body, verdict), "blocked", verdict, audit=audit)
    screened = Screening(body={**body, "messages": list(messages)})
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in REDACT_ROLES:
            continue
        content = message.get("content")
        if check_blocks and i != newest and message["role"] == "user":
            earlier = check_input(text_of(content), policy)
            if not earlier.allowed:
                screened.body["messages"][i] = {
                    **message,
                    "content": WITHHELD.format(rule=earlier.rule),
                }
                screened.withheld += 1
                continue
        findings: list[Finding] = []

        def mask(text: str, found: list[Finding] = findings) -> str:
            masked, new = redact(text, policy)
            found.extend(new)
            return masked

        new_content = map_text(content, mask)
        if not findings:
            continue
        screened.body["messages"][i] = {**message, "content": new_content}
        counts = Counter(f.rule for f in findings)
        screened.redactions.update(counts)
        if i == newest:
            digest = content_sha256(text_of(content))
            screened.audit.extend(
                AuditItem(rule, "redacted", digest, n) for rule, n in counts.items()
            )
    if screened.redactions:
        screened.action = "redacted"
    return screened


def replace_reply(message: dict[str, Any], text: str) -> dict[str, Any]:
    """An assistant message whose content (and 0.12-style ``output`` items) is ``text``."""
    replaced = {**message, "content": text}
    output = message.get("output")
    if isinstance(output, list) and output:
        first = next(
            (item for item in output if isinstance(item, dict) and item.get("type") == "message"),
            {"type": "message", "role": "assistant", "status": "completed"},
        )
        replaced["output"] = [{**first, "content": [{"type": "output_text", "text": text}]}]
    return replaced


def _relayed(user_text: str) -> tuple[Verdict, str] | None:
    hit = _RELAY.match(user_text)
    if hit is None:
        return None
    return Verdict(allowed=False, rule=hit.group(1), reason="relayed"), hit.group(2)


def screen_reply(
    body: dict[str, Any], policy: SafetyPolicy, *, check_blocks: bool = True
) -> Screening:
    """The outlet: the exact notice for a blocked turn, else secrets masked or reply withheld."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return Screening(body=body)
    reply_at = _last_index(messages, "assistant")
    if reply_at is None:
        return Screening(body=body)
    reply = messages[reply_at]
    asked_at = _last_index(messages, "user", before=reply_at)
    if asked_at is not None and check_blocks:
        asked = text_of(messages[asked_at].get("content"))
        relayed = _relayed(asked)
        verdict, notice = (
            relayed if relayed else (check_turns(user_turns(messages, asked_at), policy), "")
        )
        if not verdict.allowed:
            new_messages = list(messages)
            new_messages[reply_at] = replace_reply(reply, notice or verdict.notice())
            return Screening({**body, "messages": new_messages}, "blocked", verdict)
    if not policy.output_check:
        return Screening(body=body)
    return _check_reply(body, messages, reply_at, policy)


def _check_reply(
    body: dict[str, Any], messages: list[Any], reply_at: int, policy: SafetyPolicy
) -> Screening:
    reply = messages[reply_at]
    in_content: list[Finding] = []
    in_output: list[Finding] = []
    withheld: list[str] = []

    def checker(found: list[Finding]) -> Callable[[str], str]:
        def check(text: str) -> str:
            result = check_output(text, policy)
            found.extend(result.findings)
            if result.action == "blocked":
                withheld.append(result.text)
            return result.text

        return check

    new_reply = {**reply, "content": map_text(reply.get("content"), checker(in_content))}
    if isinstance(reply.get("output"), list):
        new_reply["output"] = [
            {**item, "content": map_text(item["content"], checker(in_output))}
            if isinstance(item, dict) and "content" in item
            else item
            for item in reply["output"]
        ]
    findings = in_content or in_output
    if not findings:
        return Screening(body=body)
    if withheld:
        new_reply = replace_reply(reply, withheld[0])
    new_messages = list(messages)
    new_messages[reply_at] = new_reply
    counts = Counter(f.rule for f in findings)
    action: Action = "blocked" if withheld else "redacted"
    digest = content_sha256(text_of(reply.get("content")))
    screened = Screening(
        {**body, "messages": new_messages},
        action,
        audit=[AuditItem(rule, action, digest, n) for rule, n in counts.items()],
    )
    screened.redactions.update(counts)
    if withheld:
        screened.verdict = Verdict(
            allowed=False,
            rule=findings[0].rule,
            category="output",
            reason="the reply contained a secret",
        )
    return screened
