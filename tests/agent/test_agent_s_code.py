"""Agent-S's plan code is read with ast, never evaluated."""

from __future__ import annotations

import sys
import types

import pytest

from alphaomega.agent._agent_s_code import (
    create_pyautogui_code,
    install_code_reader,
    read_agent_call,
)


class Grounding:
    def __init__(self):
        self.seen = []

    def assign_screenshot(self, obs):
        self.seen.append(("screenshot", obs["screenshot"]))

    def click(self, description, clicks=1, button="left", hold_keys=None):
        self.seen.append(("click", description, clicks, button))
        return f"import pyautogui; pyautogui.click(10, 20, clicks={clicks}, button={button!r}); "


def test_one_action_with_literals_is_read_and_called_on_the_grounding_agent():
    agent = Grounding()
    code = create_pyautogui_code(
        agent, 'agent.click("the Submit button", 2, button="left")', {"screenshot": b"png"}
    )
    assert code.startswith("import pyautogui; pyautogui.click(10, 20, clicks=2")
    assert agent.seen == [("screenshot", b"png"), ("click", "the Submit button", 2, "left")]
    assert read_agent_call("agent.hotkey(['ctrl', 'c'])") == ("hotkey", [["ctrl", "c"]], {})


@pytest.mark.parametrize(
    "code",
    [
        "agent.click(__import__('os').system('touch /tmp/pwned'))",
        "__import__('os').system('id')",
        "agent.call_code_agent('rm -rf ~')",
        "agent.set_cell_values({}, 'x', 'y')",
        "agent.click('a'); agent.click('b')",
        "agent.click(*['a'])",
        "agent.click(**{'description': 'a'})",
        "agent.__class__",
        "other.click('a')",
        "agent.click(open('/etc/passwd').read())",
        "x = 1",
        "agent.click(",
    ],
)
def test_anything_else_is_refused_and_nothing_runs(code, tmp_path):
    with pytest.raises((ValueError, SyntaxError)):
        create_pyautogui_code(Grounding(), code, {"screenshot": b""})


def test_the_reader_takes_the_place_of_the_librarys_eval(monkeypatch):
    def evaluating(agent, code, obs):  # what gui-agents 0.3.2 does
        return eval(code)  # noqa: S307 - the behaviour being replaced

    names = ("fake_gui_agents.common_utils", "fake_gui_agents.worker")
    for name in names:
        module = types.ModuleType(name)
        module.create_pyautogui_code = evaluating
        monkeypatch.setitem(sys.modules, name, module)
    install_code_reader(names)
    for name in names:
        assert sys.modules[name].create_pyautogui_code is create_pyautogui_code
    with pytest.raises(ImportError):
        monkeypatch.setitem(sys.modules, "fake_gui_agents.other", types.ModuleType("x"))
        install_code_reader(("fake_gui_agents.other",))
