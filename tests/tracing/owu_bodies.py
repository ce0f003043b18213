"""Open WebUI 0.12.4's real filter bodies, and chat turns built in their shape."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from tests.plugin_files import owu_fixture

PUBLIC_KEY = "pk-lf-0123456789abcdef"
SECRET_KEY = "sk-lf-fedcba9876543210-secret"


def web_chat_turn(
    chat_id: str,
    message_id: str,
    question: str,
    answer: str,
    *,
    usage: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(user, inlet body, outlet body) of a chat from the web page: the fixture shapes with the
    chat and message ids Open WebUI fills in there."""
    inlet, outlet = owu_fixture("inlet"), owu_fixture("outlet")
    inlet_body = copy.deepcopy(inlet["body"])
    inlet_body["messages"] = [{"role": "user", "content": question}]
    inlet_body["metadata"].update(chat_id=chat_id, message_id=message_id, **(metadata or {}))
    outlet_body = copy.deepcopy(outlet["body"])
    user_message, assistant_message = outlet_body["messages"]
    user_message.update(id=f"{message_id}-question", content=question)
    assistant_message.update(id=message_id, content=answer)
    if usage is not None:
        assistant_message["usage"] = usage
    outlet_body.update(chat_id=chat_id, id=message_id)
    return inlet["user"], inlet_body, outlet_body


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; its last value."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
