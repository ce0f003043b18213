"""What a routing decision is: the intents, the stages, and the result model."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Intent = Literal["vision", "code", "image_generation", "computer_use", "factory", "general"]
Stage = Literal["fast", "llm", "command"]

INTENTS: tuple[Intent, ...] = get_args(Intent)


class RouteDecision(BaseModel):
    """Where one chat message should go, how sure the router is, and which stage decided."""

    model_config = ConfigDict(frozen=True)

    intent: Intent = Field(description="The backend family the message needs.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the deciding stage is, 0..1.")
    stage: Stage = Field(
        description="'command' for an explicit slash command, 'fast' for the local classifier, "
        "'llm' when a language model decided."
    )
    text: str = Field(
        default="",
        description="The message to pass on: the input with a leading slash command removed.",
    )
    scores: dict[str, float] = Field(
        default_factory=dict,
        description="Probability per intent from the fast classifier (empty for commands).",
    )
    reason: str = Field(default="", description="A short note on why, for tracing.")

    def as_metadata(self) -> dict[str, object]:
        """The decision as plain data for a chat body's metadata (tracing)."""
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "stage": self.stage,
            "reason": self.reason,
        }
