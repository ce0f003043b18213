"""What the Ollama simulator answers in the end-to-end suite (no I/O).

Each answer is built only from what reached the simulator, so what the page shows proves what
Open WebUI and the pack passed along: the system prompt (a valve, or memories injected into it),
the user's words, and the size and colour of an attached image, decoded from its bytes.
"""

from __future__ import annotations

import base64
import io
import threading
from typing import Any

from PIL import Image

from alphaomega.testing.ollama_sim import SimRequest

COLOUR_NAMES = {
    (255, 0, 0): "red",
    (0, 128, 0): "green",
    (0, 0, 255): "blue",
    (255, 255, 0): "yellow",
    (255, 255, 255): "white",
    (0, 0, 0): "black",
}


def nearest_colour(rgb: tuple[int, int, int]) -> str:
    def distance(named: tuple[int, int, int]) -> int:
        return sum((a - b) ** 2 for a, b in zip(rgb, named, strict=True))

    return COLOUR_NAMES[min(COLOUR_NAMES, key=distance)]


def describe_image(b64: str) -> str:
    image = Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB")
    small = image.resize((16, 16))
    _, dominant = max(small.getcolors(16 * 16))
    return f"a {image.width}x{image.height} picture, mostly {nearest_colour(dominant)}"


def images_of(body: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for message in body.get("messages") or []:
        found.extend(message.get("images") or [])
    return found


def system_text(messages: list[dict[str, Any]]) -> str:
    return " ".join(
        str(m.get("content") or "") for m in messages if m.get("role") == "system"
    ).strip()


def answer(request: SimRequest) -> str:
    """The simulator's reply: readable in a screenshot, checkable by a test."""
    parts = [f"Simulated {request.model} here."]
    images = images_of(request.body)
    if images:
        seen = "; ".join(describe_image(b64) for b64 in images)
        parts.append(f"I see {len(images)} image(s): {seen}.")
    system = system_text(request.messages)
    if system:
        parts.append(f"My instructions say: «{system}».")
    parts.append(f"You said: «{request.prompt}».")
    last = request.messages[-1] if request.messages else {}
    if last.get("role") == "tool":  # a tool's result came back: the answer uses it
        parts.append(f"The tool {last.get('tool_name') or ''} returned: «{last.get('content')}».")
    return " ".join(parts)


class RecordingReplies:
    """The reply function handed to the simulator; keeps every request it answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[SimRequest] = []

    def __call__(self, request: SimRequest) -> str:
        with self._lock:
            self._requests.append(request)
        return answer(request)

    def requests(self) -> list[SimRequest]:
        with self._lock:
            return list(self._requests)

    def prompts(self) -> list[str]:
        return [r.prompt for r in self.requests()]

    def saw_text(self, text: str) -> bool:
        """Whether any request (any message, any role) carried ``text``."""
        return any(
            text in str(m.get("content") or "") for r in self.requests() for m in r.messages
        ) or any(text in r.prompt for r in self.requests())
