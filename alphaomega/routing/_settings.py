"""The routing filter's settings; the plugin's Valves are this model."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ._rewrite import DEFAULT_VISION_PATTERN, RouteTargets


class RoutingSettings(BaseModel):
    """Where each slash command and each picture goes, as Open WebUI model ids."""

    pipelines: list[str] = Field(
        default=["*"], description="Models this filter applies to ('*': all)."
    )
    priority: int = Field(
        default=5, description="Runs after safety (0), before memory and tracing."
    )
    code_model_id: str = Field(
        default="alphaomega_code.qwen2.5-coder:7b",
        description="Where /code goes (an Open WebUI model id).",
    )
    vision_model_id: str = Field(
        default="alphaomega_vision.llava:34b",
        description="Where /vision goes, and images when the chosen model cannot see.",
    )
    factory_model_id: str = Field(
        default="alphaomega_factory.factory",
        description="Where /factory goes (AlphaOmega · Factory; empty: the fallback).",
    )
    image_model_id: str = Field(
        default="alphaomega_image.sdxl",
        description="Where /image goes (an Open WebUI model id: AlphaOmega · Image · workflow).",
    )
    screen_model_id: str = Field(
        default="alphaomega_screen.screen",
        description="Where /screen goes when it asks to look at the screen.",
    )
    agent_model_id: str = Field(
        default="alphaomega_agent.agent-s",
        description="Where /screen goes when it asks to act on the screen (click, type, ...).",
    )
    fallback_model_id: str = Field(
        default="alphaomega_auto.auto",
        description="Answers a command whose target is empty.",
    )
    vision_name_pattern: str = Field(
        default=DEFAULT_VISION_PATTERN,
        description="Regex for model names that take images, when Open WebUI does not say.",
    )

    def targets(self) -> RouteTargets:
        return RouteTargets(
            code=self.code_model_id,
            vision=self.vision_model_id,
            factory=self.factory_model_id or None,
            image_generation=self.image_model_id,
            computer_use=self.screen_model_id or None,
            computer_use_act=self.agent_model_id or None,
            fallback=self.fallback_model_id,
        )
