"""Agent-S's plan code, read without ``eval``.

gui-agents 0.3.2 turns the model's plan code (``agent.click("the Submit button", 1, "left")``)
into pyautogui source with ``eval(code)`` (``utils.common_utils.create_pyautogui_code``, also
called by its format checker). Model output is data here: before an ``AgentS3`` is made, the
pack puts :func:`create_pyautogui_code` in that function's place in the modules that call it.
It reads the code with :mod:`ast`: exactly one call ``agent.<action>(...)`` of the grounding
agent's actions, every argument a literal; anything else raises, which Agent-S treats as an
unusable plan (it re-asks, then waits a turn).
"""

from __future__ import annotations

import ast
import importlib
from typing import Any

# The grounding agent's actions whose result is pyautogui source for the host to check again;
# not call_code_agent (it runs code itself) nor set_cell_values (a LibreOffice script).
ACTIONS = frozenset(
    {
        "click",
        "switch_applications",
        "open",
        "type",
        "save_to_knowledge",
        "drag_and_drop",
        "highlight_text_span",
        "scroll",
        "hotkey",
        "hold_and_press",
        "wait",
        "done",
        "fail",
    }
)
# Where gui-agents 0.3.2 binds the name: its definition and the two modules that import it.
PATCHED = (
    "gui_agents.s3.utils.common_utils",
    "gui_agents.s3.utils.formatters",
    "gui_agents.s3.agents.worker",
)
MAX_CODE_CHARS = 4000


def read_agent_call(code: str) -> tuple[str, list[Any], dict[str, Any]]:
    """The action, positional and keyword literals of one ``agent.<action>(...)`` call."""
    if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
        raise ValueError("plan code must be a short string")
    tree = ast.parse(code.strip(), mode="exec")
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        raise ValueError("plan code must be exactly one agent action")
    call = tree.body[0].value
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "agent"
        and call.func.attr in ACTIONS
    ):
        raise ValueError("plan code must call one of the agent's actions")
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise ValueError("plan code may not unpack arguments")
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {str(k.arg): ast.literal_eval(k.value) for k in call.keywords}
    return call.func.attr, args, kwargs


def create_pyautogui_code(agent: Any, code: str, obs: dict[str, Any]) -> str:
    """What gui-agents' function of this name returns, with the code read, not evaluated."""
    action, args, kwargs = read_agent_call(code)
    agent.assign_screenshot(obs)  # grounding needs the screenshot, as in the original
    return getattr(agent, action)(*args, **kwargs)


def install_code_reader(modules: tuple[str, ...] = PATCHED) -> None:
    """Put :func:`create_pyautogui_code` in place of gui-agents' ``eval`` (idempotent)."""
    for name in modules:
        module = importlib.import_module(name)
        if not hasattr(module, "create_pyautogui_code"):
            raise ImportError(f"{name} has no create_pyautogui_code: an unknown gui-agents")
        module.create_pyautogui_code = create_pyautogui_code
