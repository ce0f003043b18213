"""The settings (valves) of the pack's chat models on the fleet.

The ``*_field`` helpers make the valves every such model shares: each call a fresh ``Field``
(one per model's settings class) with the description the admin panel shows, so the Code,
Vision and Auto models word and bound them alike. ``CodeSettings`` is the Code models' valves.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .chat import STALL_TIMEOUT_S

__all__ = [
    "CODE_SYSTEM_PROMPT",
    "DEFAULT_MAX_NUM_CTX",
    "CodeSettings",
    "max_num_ctx_field",
    "model_pattern_field",
    "num_ctx_field",
    "offered_models_field",
    "stall_timeout_field",
    "think_field",
]


def stall_timeout_field() -> Any:
    """The ``stall_timeout_s`` valve every pack chat model has (a fresh field per model)."""
    return Field(
        default=STALL_TIMEOUT_S,
        gt=0,
        description="Seconds without a token, once a reply has begun, before it ends with a "
        "note that the backend stopped answering (a status line says it is still waiting "
        "first). Before the first token the fleet's own time limits apply.",
    )


DEFAULT_MAX_NUM_CTX = 32768


def think_field() -> Any:
    """The ``think`` valve of a manifold: Ollama's ``think`` for reasoning models."""
    return Field(
        default=None,
        description="Reasoning models (qwen3, deepseek-r1, gpt-oss): true lets the model think "
        "first and shows its thoughts apart from the answer, false turns thinking off, empty "
        "leaves it to the model. A request's reasoning_effort overrides it.",
    )


def num_ctx_field() -> Any:
    """The ``num_ctx`` valve of a manifold: the context window asked of Ollama."""
    return Field(
        default=None,
        gt=0,
        description="Context window in tokens (Ollama's num_ctx). Empty: the model's own "
        "context length, as the instance reports it, up to max_num_ctx. A longer chat loses its "
        "oldest turns, and the answer says so.",
    )


def max_num_ctx_field() -> Any:
    return Field(
        default=DEFAULT_MAX_NUM_CTX,
        gt=0,
        description="The largest context window asked for (a larger one takes more GPU memory).",
    )


def offered_models_field(family: str, defaults: list[str], kind: str = "models") -> Any:
    """The ``models`` valve of a manifold on the fleet: the sub-models it offers."""
    return Field(
        default=defaults, description=f"Ollama {kind} offered as AlphaOmega · {family} models."
    )


def model_pattern_field(example: str) -> Any:
    """The ``model_pattern`` valve of a manifold on the fleet, with an example regex."""
    return Field(
        default=None,
        description="Regex: when set, offer every fleet model whose name matches "
        f"(e.g. '{example}') instead of the list above.",
    )


CODE_SYSTEM_PROMPT = (
    "You are an expert programmer. Answer with working code in fenced blocks and a short "
    "explanation of the choices that matter."
)


class CodeSettings(BaseModel):
    """The Code models' settings (a plain ``FleetChatModel``); the plugin's Valves are this."""

    models: list[str] = offered_models_field("Code", ["qwen2.5-coder:7b", "codellama:13b"])
    model_pattern: str | None = model_pattern_field("coder|codellama|starcoder")
    system_prompt: str = Field(
        default=CODE_SYSTEM_PROMPT,
        description="System prompt put before the conversation (empty: none).",
    )
    keep_alive: str | None = Field(
        default=None,
        description="How long Ollama keeps a model loaded after a reply, e.g. '30m' "
        "(empty: the instance's OLLAMA_KEEP_ALIVE).",
    )
    stall_timeout_s: float = stall_timeout_field()
    think: bool | None = think_field()
    num_ctx: int | None = num_ctx_field()
    max_num_ctx: int = max_num_ctx_field()

    def reply_options(self) -> dict[str, Any]:
        """What ``pipes.FleetChatModel.events`` takes from these settings."""
        return {
            "system_prompt": self.system_prompt,
            "keep_alive": self.keep_alive,
            "stall_timeout_s": self.stall_timeout_s,
            "think": self.think,
            "num_ctx": self.num_ctx,
            "max_num_ctx": self.max_num_ctx,
        }
