"""What the routing filter does to a chat body (no I/O).

It honours explicit commands (``/code``, ``/vision``, ``/image``, ``/screen``, ``/factory``), sends
a message with images to a vision model when the chosen model cannot see, and records every
decision in ``body["metadata"]["alphaomega_route"]`` for tracing.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import BaseModel, Field

from ..messages import has_images
from ._classifier import classify_messages
from ._decision import Intent, RouteDecision
from ._screen import wants_screen_action

METADATA_KEY = "alphaomega_route"
IMAGE = "image_url"
DEFAULT_VISION_PATTERN = r"vision|llava|bakllava|moondream|minicpm-v|qwen2\.5vl|gemma3|llama4"


class RouteTargets(BaseModel):
    """The model id (as Open WebUI knows it) that serves each intent; None: not installed."""

    code: str | None = Field(default=None, description="Model id for /code")
    vision: str | None = Field(default=None, description="Model id for /vision and images")
    image_generation: str | None = Field(default=None, description="Model id for /image")
    computer_use: str | None = Field(
        default=None, description="Model id for /screen when it asks to look (Screen)"
    )
    computer_use_act: str | None = Field(
        default=None, description="Model id for /screen when it asks to act (Agent-S)"
    )
    factory: str | None = Field(default=None, description="Model id for /factory")
    fallback: str | None = Field(
        default=None, description="Model that answers commands whose backend is not installed"
    )

    def for_intent(self, intent: Intent, text: str = "") -> str | None:
        if intent == "computer_use" and self.computer_use_act and wants_screen_action(text):
            return self.computer_use_act
        return getattr(self, intent, None) if intent != "general" else None


def model_sees_images(body: dict[str, Any], vision_pattern: str) -> bool:
    """Whether the chosen model takes images: Open WebUI's capability flag, else its name."""
    model_info = (body.get("metadata") or {}).get("model") or {}
    capabilities = ((model_info.get("info") or {}).get("meta") or {}).get("capabilities") or {}
    if "vision" in capabilities:
        return bool(capabilities["vision"])
    name = str(body.get("model") or "")
    return bool(re.search(vision_pattern or DEFAULT_VISION_PATTERN, name, re.IGNORECASE))


def replace_last_user_text(messages: list[dict[str, Any]], text: str) -> None:
    """Put ``text`` in place of the last user message's text, keeping its images."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            parts = [p for p in content if not (isinstance(p, dict) and p.get("type") == "text")]
            message["content"] = [{"type": "text", "text": text}, *parts]
        else:
            message["content"] = text
        return


def without_earlier_images(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages with the image parts of every message before the last user message left
    out, for a text-only model: a follow-up that no longer talks about a picture sent turns
    ago goes to one, and it would refuse the picture. The last user message is kept whole."""
    last_user = max(
        (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"),
        default=len(messages),
    )
    stripped = []
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if index < last_user and isinstance(content, list):
            kept = [p for p in content if not (isinstance(p, dict) and p.get("type") == IMAGE)]
            if len(kept) < len(content):
                message = {**message, "content": kept or ""}
        stripped.append(message)
    return stripped


def route_body(
    body: dict[str, Any], targets: RouteTargets, *, vision_pattern: str = ""
) -> tuple[dict[str, Any], RouteDecision, str]:
    """The body to send on, the decision, and the model id it now goes to."""
    messages = body.get("messages") or []
    # Any image in the body needs a model that sees, whatever the decision is.
    image = has_images(messages)
    decision = classify_messages(messages)
    chosen = str(body.get("model") or "")
    target = chosen
    routed = copy.copy(body)
    if decision.stage == "command":
        target = targets.for_intent(decision.intent, decision.text) or targets.fallback or chosen
        if target != targets.fallback:
            routed["messages"] = copy.deepcopy(messages)
            replace_last_user_text(routed["messages"], decision.text)
    elif image and targets.vision and not model_sees_images(body, vision_pattern):
        target = targets.vision
    routed["model"] = target
    metadata = dict(routed.get("metadata") or {})
    metadata[METADATA_KEY] = {**decision.as_metadata(), "target": target, "from": chosen}
    routed["metadata"] = metadata
    return routed, decision, target
