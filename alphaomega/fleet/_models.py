"""Typed requests and replies shared by every chat backend client (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ChatMessage(BaseModel):
    """One message as Ollama's ``/api/chat`` takes it."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    images: list[str] | None = Field(default=None, description="Base64 images, no data: prefix")
    tool_calls: list[dict[str, Any]] | None = Field(
        default=None, description="An assistant's tool calls, Ollama's shape (arguments an object)"
    )
    tool_name: str | None = Field(default=None, description="A tool message: which tool answered")
    tool_call_id: str | None = Field(default=None, description="A tool message: which call")


class ChatRequest(BaseModel):
    """A chat as Ollama's ``/api/chat`` takes it (``model_dump(exclude_none=True)`` is the body).

    ``openai`` holds the request's OpenAI fields as the client sent them (``tools``,
    ``tool_choice``, ``response_format``, ``reasoning_effort``): an OpenAI-compatible instance
    gets those as they are; it is not part of Ollama's body."""

    model: str
    messages: list[ChatMessage]
    options: dict[str, Any] = Field(default_factory=dict)
    keep_alive: str | int | None = None
    tools: list[dict[str, Any]] | None = None
    format: str | dict[str, Any] | None = None
    think: bool | str | None = None
    openai: dict[str, Any] = Field(default_factory=dict, exclude=True)


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_openai(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


# A plain dataclass, not a pydantic model: made once per streamed token by the pack itself
# (nothing to validate), where a model's construction cost five times as much.
@dataclass(frozen=True, slots=True)
class ChatDelta:
    """One piece of a streamed reply; the last one has ``done`` set and carries usage."""

    content: str = ""
    done: bool = False
    done_reason: str | None = None
    usage: Usage | None = None
    load_seconds: float | None = None
    thinking: str = ""
    tool_calls: tuple[ToolCall, ...] = ()

    @property
    def shows(self) -> bool:
        """Whether it carries anything a person (or a client) sees, or ends the reply."""
        return bool(self.content or self.thinking or self.tool_calls or self.done)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call of a reply: ``arguments`` is the JSON text of the arguments object, as
    OpenAI clients read it."""

    name: str
    arguments: str = "{}"
    id: str = ""


class ModelInfo(BaseModel):
    """An entry of ``/api/tags``."""

    model_config = ConfigDict(extra="allow")

    name: str
    model: str = ""
    size: int = 0
    details: dict[str, Any] = Field(default_factory=dict)


class LoadedModel(BaseModel):
    """An entry of ``/api/ps``."""

    model_config = ConfigDict(extra="allow")

    name: str
    model: str = ""
    size: int = 0
    size_vram: int = 0
    expires_at: str | None = None


class PullProgress(BaseModel):
    """One line of ``/api/pull``: a status, and for a layer being downloaded its bytes."""

    model_config = ConfigDict(extra="allow")

    status: str = ""
    digest: str = ""
    total: int = 0
    completed: int = 0
