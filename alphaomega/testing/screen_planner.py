"""Planner test equipment: answers from the screenshot it actually received.

``ScreenPlanner`` is a reply function for ``OllamaSim`` (which speaks Ollama's ``/api/chat`` and
the OpenAI chat API ``/v1/chat/completions``): it decodes the last image of the request, finds
the widget the task names by its flat colour, and answers the built-in planner's JSON action in
that image's pixels — a click at the widget's centre, or ``done`` once the screen shows the
colour that means the task is complete. It answers gui-agents' AgentS3 the same way: its
worker gets one ``agent.click("the Submit button", ...)`` action in a code block, its grounding
model the point, UI-TARS style, in the grounding size. ``describe`` answers a Screen question
by naming the widgets it sees. ``FakeAgentS3`` imitates gui-agents' ``AgentS3.predict``
interface: it asks the same equipment over the OpenAI chat API and returns Agent-S-style
``exec_code`` strings.
"""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

import httpx
import numpy as np
from PIL import Image

from ._sim_models import SimRequest

TOLERANCE = 28  # per channel: JPEG moves flat colours a little
MIN_PIXELS = 60


def last_image(body: dict[str, Any]) -> Image.Image | None:
    """The last image of an Ollama or OpenAI chat body."""
    found: str | None = None
    for message in body.get("messages") or []:
        for data in message.get("images") or []:
            found = data
        content = message.get("content")
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image_url":
                    url = str((part.get("image_url") or {}).get("url") or "")
                    found = url.partition(",")[2] if url.startswith("data:") else found
    if found is None:
        return None
    return Image.open(io.BytesIO(base64.b64decode(found))).convert("RGB")


def find_colour(image: Image.Image, rgb: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels near ``rgb``, or None when too few are."""
    pixels = np.asarray(image, dtype=np.int16)
    near = np.all(np.abs(pixels - np.array(rgb, dtype=np.int16)) <= TOLERANCE, axis=2)
    if int(near.sum()) < MIN_PIXELS:
        return None
    rows, cols = np.nonzero(near)
    return int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max())


class ScreenPlanner:
    """``sim.set_reply(ScreenPlanner({"Submit": (0, 160, 60)}, done=(200, 0, 160)))``."""

    def __init__(
        self,
        targets: dict[str, tuple[int, int, int]],
        done: tuple[int, int, int] | None = None,
        grounding: tuple[int, int] = (1920, 1080),
    ) -> None:
        self.targets = targets
        self.done = done
        self.grounding = grounding  # the size an Agent-S grounding model answers in
        self.seen: list[tuple[int, int]] = []  # sizes of the images received

    def __call__(self, request: SimRequest) -> str:
        image = last_image(request.body)
        if image is None:
            return "I need a screenshot to answer."
        self.seen.append(image.size)
        agent_s = _AGENT_S_TASK.search(_system_text(request.body))
        if request.prompt.startswith("Query:"):  # Agent-S asks its grounding model
            return self.ground(request.prompt, image)
        if agent_s:  # Agent-S's worker asks for the next action
            return self.agent_s_step(agent_s.group(1).lower(), image)
        task = _task(request.prompt)
        if not task.startswith("task:"):
            return self.describe(image)
        return json.dumps(self.plan(task, image))

    def plan(self, task: str, image: Image.Image) -> dict[str, Any]:
        if self.done is not None and find_colour(image, self.done) is not None:
            return {"action": "done", "reason": "the screen shows the task is complete"}
        named = [n for n in self.targets if re.search(rf"\b{re.escape(n.lower())}\b", task)]
        if not named:
            return {"action": "fail", "reason": "the task names nothing I can find"}
        box = find_colour(image, self.targets[named[0]])
        if box is None:
            return {"action": "fail", "reason": f"no {named[0]} on the screen"}
        left, top, right, bottom = box
        return {
            "action": "click",
            "x": (left + right) / 2,
            "y": (top + bottom) / 2,
            "target": named[0],
            "reason": f"the {named[0]} button is there",
        }

    def _box(self, text: str, image: Image.Image) -> tuple[str, tuple[int, int, int, int]] | None:
        for name in self.targets:
            if re.search(rf"\b{re.escape(name.lower())}\b", text.lower()):
                box = find_colour(image, self.targets[name])
                return (name, box) if box else None
        return None

    def ground(self, query: str, image: Image.Image) -> str:
        """Where the queried widget is, in the grounding model's coordinates, as UI-TARS says."""
        found = self._box(query, image)
        if found is None:
            return "I cannot find it."
        left, top, right, bottom = found[1]
        x = round((left + right) / 2 * self.grounding[0] / image.width)
        y = round((top + bottom) / 2 * self.grounding[1] / image.height)
        return f"({x}, {y})"

    def agent_s_step(self, task: str, image: Image.Image) -> str:
        """An Agent-S worker's answer: a thought and one agent action in a code block."""
        if self.done is not None and find_colour(image, self.done) is not None:
            return "The label shows the task is complete.\n```python\nagent.done()\n```"
        found = self._box(task, image)
        if found is None:
            return "Nothing to click.\n```python\nagent.fail()\n```"
        name = found[0]
        return f'I click {name}.\n```python\nagent.click("the {name} button", 1, "left")\n```'

    def describe(self, image: Image.Image) -> str:
        names = [n for n, rgb in self.targets.items() if find_colour(image, rgb) is not None]
        seen = ", ".join(names) if names else "no window I know"
        return f"The screen ({image.width}x{image.height}) shows a window with: {seen}."


_AGENT_S_TASK = re.compile(r"responsible for executing the task: `(.*?)`", re.DOTALL)


def _system_text(body: dict[str, Any]) -> str:
    parts: list[str] = []
    for message in body.get("messages") or []:
        if message.get("role") != "system":
            continue
        content = message.get("content")
        if isinstance(content, list):
            parts += [str(p.get("text") or "") for p in content if isinstance(p, dict)]
        else:
            parts.append(str(content or ""))
    return "\n".join(parts)


def _task(prompt: str) -> str:
    """The task line of the planner's prompt (not the steps so far), lower-cased."""
    first = (prompt or "").split("\nSteps so far", 1)[0]
    return " ".join(first.split()).lower()


class FakeAgentS3:
    """Imitates ``AgentS3`` (``predict``/``reset``): it asks an OpenAI-compatible server (the
    planner equipment) for the step, scales the answer to the screen and returns Agent-S code."""

    def __init__(self, base_url: str, model: str, width: int, height: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.width, self.height = width, height
        self.calls = 0

    def reset(self) -> None:
        self.calls = 0

    def predict(self, instruction: str, observation: dict[str, Any]) -> tuple[dict, list[str]]:
        self.calls += 1
        png = observation["screenshot"]
        with Image.open(io.BytesIO(png)) as image:
            shot_w, shot_h = image.size
        url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        body = {
            "model": self.model,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": f"Task: {instruction}"},
                        {"type": "image_url", "image_url": {"url": url}},
                    ],
                }
            ],
        }
        reply = httpx.post(f"{self.base_url}/chat/completions", json=body, timeout=60.0)
        reply.raise_for_status()
        answer = json.loads(reply.json()["choices"][0]["message"]["content"])
        if answer["action"] == "done":
            return {"plan": answer.get("reason", "")}, ["DONE"]
        if answer["action"] != "click":
            return {"plan": answer.get("reason", "")}, ["FAIL"]
        x = round(answer["x"] * self.width / shot_w)
        y = round(answer["y"] * self.height / shot_h)
        code = f"import pyautogui; pyautogui.click({x}, {y}, clicks=1, button='left'); "
        return {"plan": answer.get("reason", "")}, [code]
