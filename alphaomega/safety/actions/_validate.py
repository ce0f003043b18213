"""The computer-use action validator: is this step a plain, bounded GUI action?

A computer-use agent proposes each step as Python source (Agent-S:
``import pyautogui; pyautogui.click(512, 384, clicks=1, button='left')``) or as one of the
bare words ``DONE``, ``WAIT``, ``FAIL``. :func:`validate_action` reads that source with
:mod:`ast` only -- nothing is compiled to run, imported or executed -- and allows it only when
every statement is an import of ``pyautogui``/``time``/``pyperclip`` or a call from a short
whitelist with literal arguments inside the limits, and when the keys it presses and the text
it types, taken together, are harmless. Whoever runs an allowed action should replay
``verdict.calls`` (module, function, literal arguments) rather than the original string.
"""

from __future__ import annotations

import ast
import logging
import re
import textwrap
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._limits import ActionLimits
from ._literals import NotLiteral, SourceText, literal_value
from ._signatures import ALLOWED_MODULES, SIGNATURES, ArgumentError, bind
from ._state import ActionState

__all__ = ["ActionCall", "ActionLimits", "ActionVerdict", "validate_action"]

logger = logging.getLogger(__name__)

ControlToken = Literal["DONE", "WAIT", "FAIL"]
_CONTROL_WORDS: dict[str, ControlToken] = {
    "DONE": "DONE",
    "WAIT": "WAIT",
    "FAIL": "FAIL",
    "FAILED": "FAIL",
}
_FENCE = re.compile(r"^\s*```[\w+-]*[ \t]*\n(?P<body>.*?)\n?[ \t]*```\s*$", re.DOTALL)


class ActionCall(BaseModel):
    """One whitelisted call with its literal arguments, ready to be replayed as is."""

    module: Literal["pyautogui", "time", "pyperclip"] = Field(description="Module of the call.")
    function: str = Field(description="Function name as written, e.g. 'click' or 'typewrite'.")
    args: list[Any] = Field(default_factory=list, description="Positional literal arguments.")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Keyword literal arguments.")


class ActionVerdict(BaseModel):
    """Whether an action may run, why not, and what it consists of."""

    allowed: bool = Field(description="True only if every check passed.")
    reasons: list[str] = Field(default_factory=list, description="Why it was blocked, readable.")
    rules: list[str] = Field(
        default_factory=list, description="Stable ids of the rules that blocked it, for audits."
    )
    calls: list[ActionCall] = Field(
        default_factory=list, description="The calls parsed; replay them only when allowed."
    )
    control: ControlToken | None = Field(
        None, description="DONE, WAIT or FAIL when the action is that bare word."
    )


def validate_action(
    action: str,
    *,
    screen: tuple[int, int] = (1920, 1080),
    limits: ActionLimits | None = None,
) -> ActionVerdict:
    """Decide whether one computer-use step may reach the mouse and keyboard. Never raises."""
    limits = limits or ActionLimits()
    try:
        verdict = _validate(action, screen, limits)
    except Exception:  # fail closed: a bug in a check must never let an action through
        logger.exception("action validator failed; blocking the action")
        verdict = _blocked([("internal-error", "the validator could not check this action")])
    if not verdict.allowed:
        logger.debug("action blocked by %s", verdict.rules)
    return verdict


def _blocked(
    findings: list[tuple[str, str]], calls: list[ActionCall] | None = None
) -> ActionVerdict:
    return ActionVerdict(
        allowed=False,
        reasons=[reason for _, reason in findings],
        rules=list(dict.fromkeys(rule for rule, _ in findings)),
        calls=calls or [],
    )


def _validate(action: Any, screen: tuple[int, int], limits: ActionLimits) -> ActionVerdict:
    if not isinstance(action, str):
        return _blocked([("syntax", f"an action must be a string, not {type(action).__name__}")])
    if len(action) > limits.max_source_chars:
        return _blocked([("text-length", f"the action is {len(action)} characters long")])
    fenced = _FENCE.match(action)
    source = textwrap.dedent(fenced.group("body") if fenced else action).strip()
    control = _CONTROL_WORDS.get(source.upper())
    if control:
        return ActionVerdict(allowed=True, control=control)
    if not source:
        return _blocked([("empty", "the action is empty")])
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return _blocked(
            [("syntax", f"the action is not valid Python ({error.__class__.__name__})")]
        )
    walker = _Walker(source, screen, limits)
    walker.run(tree)
    if walker.state.findings:
        return _blocked(walker.state.findings, walker.calls)
    return ActionVerdict(allowed=True, calls=walker.calls)


_STATEMENT_KINDS: dict[type, str] = {
    ast.For: "loops",
    ast.AsyncFor: "loops",
    ast.While: "loops",
    ast.If: "conditionals",
    ast.Match: "conditionals",
    ast.Try: "try/except blocks",
    ast.TryStar: "try/except blocks",
    ast.With: "with blocks",
    ast.AsyncWith: "with blocks",
    ast.FunctionDef: "function definitions",
    ast.AsyncFunctionDef: "function definitions",
    ast.ClassDef: "class definitions",
    ast.Assign: "assignments and variables",
    ast.AugAssign: "assignments and variables",
    ast.AnnAssign: "assignments and variables",
    ast.Delete: "del statements",
    ast.Global: "global statements",
    ast.Nonlocal: "nonlocal statements",
    ast.Return: "return statements",
    ast.Raise: "raise statements",
    ast.Assert: "assert statements",
    ast.Pass: "pass statements",
}
_DANGEROUS_NAMES = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "__import__",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "memoryview",
        "__builtins__",
    }
)


class _Walker:
    """Goes through the statements in order, binding names and handing calls to the state."""

    def __init__(self, source: str, screen: tuple[int, int], limits: ActionLimits) -> None:
        self.source = SourceText(source)
        self.limits = limits
        self.state = ActionState(screen, limits)
        self.calls: list[ActionCall] = []
        # Agent-S uses time.sleep without importing time, so the three modules are known upfront.
        self.names: dict[str, tuple[str, str | None]] = {m: (m, None) for m in ALLOWED_MODULES}

    def run(self, tree: ast.Module) -> None:
        if not tree.body:
            self.state.flag("empty", "the action holds no statement")
        for statement in tree.body:
            self._statement(statement)
        self.state.finish()

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Import):
            self._import(node)
        elif isinstance(node, ast.ImportFrom):
            self._import_from(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._call(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            # A docstring-like note does nothing when run; it is neither typed nor executed.
            if not isinstance(node.value.value, str):
                self._refuse(node)
        else:
            self._refuse(node)

    def _refuse(self, node: ast.stmt) -> None:
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                owner = self.names.get(target.value.id, (target.value.id, None))[0]
                self.state.flag(
                    "setting-change",
                    f"changes {owner}.{target.attr}; the action may "
                    "not change settings such as FAILSAFE or PAUSE",
                )
                return
        kind = _STATEMENT_KINDS.get(type(node), "expressions other than calls")
        self.state.flag("statement", f"{kind} are not allowed (line {node.lineno})")
        for inner in ast.walk(node):  # name what the block would have done, for the audit
            if isinstance(inner, ast.Import | ast.ImportFrom):
                self._statement(inner)
            elif isinstance(inner, ast.Name) and inner.id in _DANGEROUS_NAMES:
                self.state.flag("call-not-allowed", f"uses {inner.id}")
            elif isinstance(inner, ast.Attribute) and inner.attr.startswith("__"):
                self.state.flag("attribute-trick", f"uses the attribute {inner.attr}")

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name not in ALLOWED_MODULES:
                self.state.flag(
                    "import",
                    f"imports {alias.name}; only pyautogui, time and pyperclip may be imported",
                )
                continue
            self.names[alias.asname or alias.name] = (alias.name, None)

    def _import_from(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or module not in ALLOWED_MODULES:
            self.state.flag(
                "import",
                f"imports from {module or '.'}; only pyautogui, time and pyperclip may be imported",
            )
            return
        for alias in node.names:
            if alias.name == "*":
                self.state.flag("import", f"'from {module} import *' is not allowed")
            elif (module, alias.name) not in SIGNATURES:
                self.state.flag("call-not-allowed", f"{module}.{alias.name} is not allowed")
            else:
                self.names[alias.asname or alias.name] = (module, alias.name)

    def _resolve(self, func: ast.expr) -> tuple[str, str] | None:
        if isinstance(func, ast.Name):
            module, function = self.names.get(func.id, ("", None))
            if function is None:
                self.state.flag("call-not-allowed", f"{func.id}() is not an allowed call")
                return None
            return module, function
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module, function = self.names.get(func.value.id, ("", ""))
            if function is None and (module, func.attr) in SIGNATURES:
                return module, func.attr
            if func.attr.startswith("_"):
                self.state.flag("attribute-trick", f"uses the private attribute {func.attr}")
            else:
                owner = module or func.value.id
                self.state.flag("call-not-allowed", f"{owner}.{func.attr}() is not an allowed call")
            return None
        self.state.flag(
            "call-not-allowed",
            "calls may only be module.function(...) of the "
            "whitelist, not through attributes, subscripts or other calls",
        )
        return None

    def _call(self, node: ast.Call) -> None:
        if len(self.calls) >= self.limits.max_calls:
            self.state.flag("count", f"more than {self.limits.max_calls} calls in one action")
            return
        target = self._resolve(node.func)
        if target is None:
            return
        module, function = target
        try:
            args = [self._argument(arg) for arg in node.args]
            kwargs: dict[str, Any] = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    raise NotLiteral("**keyword unpacking is not allowed", "non-literal-argument")
                kwargs[keyword.arg] = self._argument(keyword.value)
            bound = bind(function, SIGNATURES[(module, function)], args, kwargs)
        except NotLiteral as error:
            self.state.flag(error.rule, f"{module}.{function}(): {error}")
            return
        except ArgumentError as error:
            self.state.flag(error.rule, str(error))
            return
        self.calls.append(ActionCall(module=module, function=function, args=args, kwargs=kwargs))
        self.state.apply(module, function, bound)

    def _argument(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Starred):
            raise NotLiteral("*argument unpacking is not allowed", "non-literal-argument")
        return literal_value(node, self.source)
