"""Helpers shared by the Image model's tests: simulators, the server, reading a streamed reply."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from alphaomega.testing import streamed_text

IMAGE_ID = "alphaomega_image"


@dataclass
class Reply:
    text: str
    statuses: list[str] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    payloads: list[Any] = field(default_factory=list)


def read_stream(payloads: list[Any]) -> Reply:
    reply = Reply(streamed_text(payloads), payloads=payloads)
    for payload in payloads:
        if not isinstance(payload, dict):
            continue
        event = payload.get("event")
        if isinstance(event, dict) and event.get("type") == "status" and not event["data"]["done"]:
            reply.statuses.append(event["data"]["description"])
        for choice in payload.get("choices") or []:
            for image in (choice.get("delta") or {}).get("images") or []:
                url = image["image_url"]["url"]
                assert url.startswith("data:image/png;base64,")
                reply.images.append(base64.b64decode(url.split(",", 1)[1]))
    return reply


def png_graph(data: bytes) -> tuple[tuple[int, int], dict[str, Any]]:
    """The size of a simulator's PNG and the graph it carries (as ComfyUI's SaveImage does)."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size, json.loads(image.info["prompt"])


def node(graph: dict[str, Any], class_type: str) -> dict[str, Any]:
    found = [n for n in graph.values() if n["class_type"] == class_type]
    assert len(found) == 1, class_type
    return found[0]["inputs"]


def user(text: str, image_url: str | None = None) -> list[dict[str, Any]]:
    if image_url is None:
        return [{"role": "user", "content": text}]
    content = [
        {"type": "text", "text": text},
        {"type": "image_url", "image_url": {"url": image_url}},
    ]
    return [{"role": "user", "content": content}]


def solid_png(colour: tuple[int, int, int], size: tuple[int, int] = (96, 64)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
