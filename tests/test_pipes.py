import asyncio

import pytest

from alphaomega import chat
from alphaomega.errors import ConfigError
from alphaomega.fleet import ChatDelta, ChatRequest
from alphaomega.pipes import FleetChatModel, chat_affinity, options_from_body, select_models


def test_affinity_prefers_the_chat_then_the_user():
    assert chat_affinity({"metadata": {"chat_id": "c1"}, "user": {"id": "u1"}}) == "c1"
    assert chat_affinity({"user": {"id": "u1"}}) == "u1"
    assert chat_affinity({"metadata": {"chat_id": ""}}) is None


def test_openai_options_become_ollama_options():
    body = {"temperature": 0.2, "max_tokens": 64, "top_p": None, "seed": 7}
    assert options_from_body(body) == {"temperature": 0.2, "num_predict": 64, "seed": 7}


def test_pattern_selects_available_models_else_the_configured_list():
    available = ["qwen2.5-coder:7b", "llama3.1:8b", "codellama:13b"]
    assert select_models(["x"], "coder|codellama", available) == [
        "qwen2.5-coder:7b",
        "codellama:13b",
    ]
    assert select_models(["a", " a ", "b"], "", available) == ["a", "b"]
    assert select_models(["a"], "nomatch", available) == ["a"]
    with pytest.raises(ConfigError):
        select_models(["a"], "([", available)


class QuietFleet:
    """A fleet whose backend sends two tokens and then nothing; it keeps what it was sent."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []
        self.closed = False

    def is_loaded(self, model: str) -> bool:
        return True

    async def chat(self, request: ChatRequest, affinity: str | None = None):
        self.requests.append(request)
        try:
            yield ChatDelta(content="def ")
            yield ChatDelta(content="add")
            await asyncio.sleep(3600)
        finally:
            self.closed = True


async def texts_and_statuses(events) -> tuple[str, list[str]]:
    texts, statuses = [], []
    async for event in events:
        if isinstance(event, chat.Text):
            texts.append(event.text)
        elif isinstance(event, chat.Status) and not event.done:
            statuses.append(event.description)
    return "".join(texts), statuses


async def test_the_stall_valve_ends_a_silent_reply_with_a_note_naming_the_model():
    fleet = QuietFleet()
    core = FleetChatModel("code", fleet=fleet)
    messages = [{"role": "user", "content": "add two numbers"}]
    events = core.events({}, "codellama:13b", messages, stall_timeout_s=0.3)
    text, statuses = await texts_and_statuses(events)
    assert text.startswith("def add\n\n⚠️ The reply was cut off")
    assert "codellama:13b stopped answering (nothing for 0.3 s)" in text
    assert statuses == ["Still waiting for codellama:13b…"]
    assert fleet.closed


ATTACHED = (
    '<attached_files>\n<file type="image" id="f1" url="/api/v1/files/f1/content"/>\n'
    "</attached_files>\n\n"
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"max_tokens": 2**70}, "'max_tokens' is too large"),
        ({"seed": "7"}, "'seed' must be a whole number"),
    ],
)
async def test_a_stock_server_s_bad_request_is_answered_in_the_pipe_not_sent(body, reason):
    fleet = QuietFleet()
    core = FleetChatModel("code", fleet=fleet)
    events = core.events(body, "m", [{"role": "user", "content": "hi"}])
    text, _ = await texts_and_statuses(events)
    assert text.startswith("⚠️") and reason in text
    assert fleet.requests == []


async def test_file_markup_does_not_reach_the_backend():
    fleet = QuietFleet()
    core = FleetChatModel("code", fleet=fleet)
    messages = [{"role": "user", "content": ATTACHED + "Explain this file"}]
    await texts_and_statuses(core.events({}, "m", messages, stall_timeout_s=0.05))
    assert fleet.requests[0].messages[-1].content == "Explain this file"
