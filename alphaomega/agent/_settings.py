"""The Screen and Agent-S models' settings; their plugins' Valves are these models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..pipes import stall_timeout_field
from ..vision import ImageHeight, ImageLimits, ImageWidth

SCREEN_PROMPT = (
    "You see a screenshot of the person's computer screen. Describe what is on it: the "
    "windows and applications, what they show, and anything that needs attention. Be concise."
)


class ScreenshotSettings(BaseModel):
    """How a screenshot is shrunk before a vision model sees it (the Vision model's way)."""

    max_width: ImageWidth = 1280
    max_height: ImageHeight = 720
    jpeg_quality: int = Field(
        default=85, ge=10, le=100, description="JPEG quality of the screenshot sent to the model."
    )

    host_jpeg_quality: int = Field(
        default=92,
        ge=0,
        le=100,
        description="The agent host sends the screenshot as JPEG of this quality, already "
        "scaled (fast on a busy screen); 0: as PNG (lossless, slower).",
    )

    def image_limits(self) -> ImageLimits:
        return ImageLimits(
            max_width=self.max_width, max_height=self.max_height, jpeg_quality=self.jpeg_quality
        )


class ScreenSettings(ScreenshotSettings):
    """AlphaOmega · Screen: a screenshot from the agent host, described by a vision model."""

    model: str = Field(
        default="llava:34b", description="Fleet vision model that describes the screen."
    )
    system_prompt: str = Field(default=SCREEN_PROMPT, description="What the model is asked to do.")
    thumbnail_width: int = Field(
        default=320,
        ge=0,
        le=1280,
        description="Width of the screen thumbnail in the answer (0: none).",
    )
    stall_timeout_s: float = stall_timeout_field()


class AgentSettings(ScreenshotSettings):
    """AlphaOmega · Agent-S: observe, plan one step, validate, act, and again."""

    model: str = Field(
        default="qwen2.5vl:7b",
        description="Fleet vision model that plans each step (the built-in planner), or Agent-S's "
        "main model.",
    )
    planner: Literal["built-in", "agent-s"] = Field(
        default="built-in",
        description="built-in: the model answers each step as one JSON action. agent-s: "
        "gui-agents' AgentS3 (pip install gui-agents) with a grounding model.",
    )
    mode: Literal["observe", "confirm", "auto"] = Field(
        default="confirm",
        description="observe: plan, never act. confirm: a risky step (typing, keys, anything "
        "but clicks and scrolls) waits for your 'yes'. auto: act on every step that passes "
        "the validator.",
    )
    max_steps: int = Field(default=8, ge=1, le=50, description="Most steps in one run.")
    settle_s: float = Field(
        default=1.0,
        ge=0,
        le=10,
        description="Pause after each action before looking again (the app redraws).",
    )
    planner_timeout_s: float = Field(
        default=120.0, gt=0, description="Longest wait for the planner's answer to one step."
    )
    grounding_model: str = Field(
        default="ui-tars-1.5-7b",
        description="Agent-S only: the grounding model (e.g. UI-TARS-1.5-7B) on the fleet.",
    )
    grounding_width: int = Field(
        default=1920, ge=16, description="Agent-S only: the width the grounding model answers in."
    )
    grounding_height: int = Field(
        default=1080, ge=16, description="Agent-S only: the height the grounding model answers in."
    )
