"""What a request goes without when its model turns a feature down."""

from alphaomega.fallback import without_feature
from alphaomega.fleet import ChatMessage, ChatRequest

TOOL = {"type": "function", "function": {"name": "f"}}


def request(**extra):
    return ChatRequest(model="m", messages=[ChatMessage(role="user", content="hi")], **extra)


def test_offered_tools_are_left_out_but_demanded_ones_are_not():
    offered = request(tools=[TOOL], openai={"tools": [TOOL], "tool_choice": "auto"})
    lighter = without_feature(offered, "tools")
    assert lighter.tools is None and lighter.openai == {}
    demanded = request(tools=[TOOL], openai={"tools": [TOOL], "tool_choice": "required"})
    assert without_feature(demanded, "tools") is None
    named = {"type": "function", "function": {"name": "f"}}
    assert without_feature(request(tools=[TOOL], openai={"tool_choice": named}), "tools") is None


def test_thinking_is_left_out_and_nothing_else_is_guessed():
    assert without_feature(request(think="high"), "thinking").think is None
    assert without_feature(request(), "thinking") is None
    assert without_feature(request(tools=[TOOL]), "vision") is None
