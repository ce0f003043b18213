"""OpenAI request fields in Ollama's terms, and fitting a chat into the context window."""

import pytest

from alphaomega.errors import InputError
from alphaomega.fields import backend_fields, context_size, fit_context
from alphaomega.fleet import ChatMessage

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


def test_sampling_and_penalties_become_ollama_options():
    fields = backend_fields(
        {"temperature": 0.1, "frequency_penalty": 0.5, "presence_penalty": 0.2, "max_tokens": 9}
    )
    assert fields.options == {
        "temperature": 0.1,
        "frequency_penalty": 0.5,
        "presence_penalty": 0.2,
        "num_predict": 9,
    }


def test_tools_pass_and_tool_choice_none_drops_them():
    assert backend_fields({"tools": [TOOL]}).tools == [TOOL]
    assert backend_fields({"tools": [TOOL], "tool_choice": "none"}).tools is None
    assert backend_fields({"tools": [TOOL], "tool_choice": "auto"}).openai == {
        "tools": [TOOL],
        "tool_choice": "auto",
    }
    with pytest.raises(InputError, match="'tools' must be a list"):
        backend_fields({"tools": [{"type": "function"}]})


def test_response_format_becomes_ollama_format():
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert backend_fields({"response_format": {"type": "json_object"}}).format == "json"
    assert backend_fields({"response_format": {"type": "text"}}).format is None
    spec = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    assert backend_fields({"response_format": spec}).format == schema
    with pytest.raises(InputError, match="json_schema"):
        backend_fields({"response_format": {"type": "json_schema"}})
    with pytest.raises(InputError, match="response_format"):
        backend_fields({"response_format": {"type": "xml"}})


@pytest.mark.parametrize(
    ("effort", "valve", "think"),
    [(None, None, None), (None, True, True), ("high", False, "high"), ("none", True, False)],
)
def test_reasoning_effort_overrides_the_think_valve(effort, valve, think):
    body = {} if effort is None else {"reasoning_effort": effort}
    assert backend_fields(body, think=valve).think == think


def test_context_size_is_the_valve_else_the_model_capped():
    assert context_size(None, 131072, 32768) == 32768
    assert context_size(4096, 131072, 32768) == 4096
    assert context_size(None, 8192, 32768) == 8192
    assert context_size(None, None, 32768) is None


def test_fit_context_leaves_out_the_oldest_turns_keeping_system_and_the_last():
    system = ChatMessage(role="system", content="be brief")
    turns = []
    for i in range(10):
        turns.append(ChatMessage(role="user", content=f"question {i} " + "x" * 300))
        turns.append(ChatMessage(role="assistant", content=f"answer {i} " + "y" * 300))
    turns.append(ChatMessage(role="user", content="the last question"))
    kept, dropped = fit_context([system, *turns], num_ctx=600, reserve=100)
    assert kept[0] == system and kept[-1].content == "the last question"
    assert kept[1].role == "user", "what is kept starts with a question"
    assert dropped > 0 and len(kept) == 1 + len(turns) - dropped
    assert fit_context([system, *turns], num_ctx=100_000) == ([system, *turns], 0)
