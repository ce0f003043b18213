"""OpenAI-compatible instances: tools and formats passed as sent, tool calls read back whole."""

from alphaomega.fleet import ChatMessage, ChatRequest, ToolCall
from alphaomega.fleet._openai_compat import _CallParts, _chat_payload

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


def test_the_request_passes_tools_and_format_as_sent_and_tool_calls_as_openai_writes_them():
    call = {"id": "call_1", "function": {"name": "f", "arguments": {"a": 1}}}
    request = ChatRequest(
        model="m",
        messages=[
            ChatMessage(role="user", content="use f"),
            ChatMessage(role="assistant", content="", tool_calls=[call]),
            ChatMessage(role="tool", content="42", tool_call_id="call_1", tool_name="f"),
        ],
        options={"presence_penalty": 0.3},
        tools=[TOOL],
        format="json",
        openai={"tools": [TOOL], "response_format": {"type": "json_object"}},
    )
    payload = _chat_payload(request)
    assert payload["tools"] == [TOOL]
    assert payload["response_format"] == {"type": "json_object"}
    assert payload["presence_penalty"] == 0.3
    assert "format" not in payload
    assert payload["messages"][1]["tool_calls"] == [
        {"type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}, "id": "call_1"}
    ]
    assert payload["messages"][2] == {"role": "tool", "content": "42", "tool_call_id": "call_1"}


def test_streamed_tool_call_pieces_are_joined_by_index():
    parts = _CallParts()
    parts.add([{"index": 0, "id": "c0", "function": {"name": "f", "arguments": '{"a"'}}])
    parts.add([{"index": 1, "id": "c1", "function": {"name": "g", "arguments": ""}}])
    parts.add([{"index": 0, "function": {"arguments": ": 1}"}}])
    assert parts.whole() == (ToolCall("f", '{"a": 1}', "c0"), ToolCall("g", "{}", "c1"))
