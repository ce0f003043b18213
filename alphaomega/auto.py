"""AlphaOmega · Auto: classify each message and hand it to the backend it needs, in-process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from . import chat
from .agent import AgentModel, AgentSettings, ScreenModel, ScreenSettings, answers_pending_step
from .comfyui import ImageModel, ImageSettings
from .factory import FactoryModel, FactorySettings
from .fleet import ChatMessage, ChatRequest, Fleet
from .messages import last_user_text
from .pipes import (
    FleetChatModel,
    max_num_ctx_field,
    num_ctx_field,
    reply_or_notice,
    stall_timeout_field,
    think_field,
)
from .routing import (
    RouteDecision,
    classify,
    classify_with_llm,
    image_placement,
    replace_last_user_text,
    wants_screen_action,
    without_earlier_images,
)
from .valve_guard import address_valve
from .vision import ImageHeight, ImageLimits, ImageWidth, VisionModel

log = logging.getLogger(__name__)

FAMILY_NAMES = {
    "code": "Code",
    "vision": "Vision",
    "general": "Chat",
    "image_generation": "Image",
    "computer_use": "Screen",
    "factory": "Factory",
}


class AutoSettings(BaseModel):
    """The Auto model's settings; the plugin's Valves are this model."""

    code_model: str = Field(default="qwen2.5-coder:7b", description="Fleet model for code.")
    vision_model: str = Field(
        default="llava:34b", description="Fleet model for messages with images."
    )
    general_model: str = Field(
        default="llama3.1:8b", description="Fleet model for everything else."
    )
    system_prompt: str | None = Field(
        default=None, description="System prompt for every route (empty: none)."
    )
    screen_model: str = Field(
        default="llava:34b", description="Fleet vision model that describes the screen."
    )
    agent_model: str = Field(
        default="qwen2.5vl:7b", description="Fleet vision model that plans Agent-S's steps."
    )
    agent_mode: Literal["observe", "confirm", "auto"] = Field(
        default="confirm",
        description="Agent-S's mode when Auto hands it a message (see the Agent-S model).",
    )
    llm_stage: bool = Field(
        default=False,
        description="When the fast router is unsure, ask the general model to decide.",
    )
    llm_threshold: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="The fast router's confidence below which the model is asked.",
    )
    llm_timeout_s: float = Field(
        default=3.0, gt=0, description="Longest wait for the routing model, seconds."
    )
    factory_host_url: str = Field(
        default="http://127.0.0.1:5009",
        description="The factory host that builds apps asked for here (AlphaOmega · Factory "
        "uses its own valves; this one builds with the code model above).",
        json_schema_extra=address_valve(),
    )
    image_workflow: str = Field(
        default="sdxl",
        description="ComfyUI workflow for requests to draw (sdxl, flux, sd15); "
        "ALPHAOMEGA_COMFYUI says where ComfyUI runs.",
    )
    max_width: ImageWidth = 1280
    max_height: ImageHeight = 720
    stall_timeout_s: float = stall_timeout_field()
    think: bool | None = think_field()
    num_ctx: int | None = num_ctx_field()
    max_num_ctx: int = max_num_ctx_field()

    def image_limits(self) -> ImageLimits:
        return ImageLimits(max_width=self.max_width, max_height=self.max_height)

    def factory_settings(self) -> FactorySettings:
        models = {
            f"{g}_model": self.code_model for g in ("backend", "qa", "frontend", "infrastructure")
        }
        return FactorySettings(
            host_url=self.factory_host_url, docs_model=self.general_model, **models
        )


class AutoRouter:
    def __init__(self, *, fleet: Fleet | None = None) -> None:
        self.code = FleetChatModel("code", fleet=fleet)
        self.general = FleetChatModel("general", fleet=fleet)
        self.vision = VisionModel(fleet=fleet)
        self.factory = FactoryModel()
        self.image = ImageModel()
        self.screen = ScreenModel(fleet=fleet)
        self.agent = AgentModel(fleet=fleet)

    def _computer_use(
        self,
        body: dict[str, Any],
        messages: list[dict[str, Any]],
        settings: AutoSettings,
        *,
        act: bool,
        route: str,
    ) -> AsyncIterator[chat.Event]:
        """Looking goes to Screen, acting to Agent-S, in-process."""
        log.info("auto: computer use -> %s", "Agent-S" if act else "Screen")
        return chat.with_preface(route, _computer_use_events(self, body, messages, settings, act))

    async def decide(
        self, text: str, *, has_image: bool, settings: AutoSettings, image_earlier: bool = False
    ) -> RouteDecision:
        if not settings.llm_stage:  # the fast stage alone: well under a millisecond
            return classify(text, has_image=has_image, image_earlier=image_earlier)

        async def ask(prompt: str) -> str:
            return await complete(self.general.fleet, settings.general_model, prompt)

        return await classify_with_llm(
            text,
            has_image=has_image,
            image_earlier=image_earlier,
            ask=ask,
            threshold=settings.llm_threshold,
            ask_timeout=settings.llm_timeout_s,
        )

    def pipe(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: AutoSettings
    ) -> chat.SSEStream | dict[str, Any]:
        """Returns at once, like every pack model's pipe: routing happens as the reply is read."""
        response_model = str(body.get("model") or "auto")
        return chat.respond(body, response_model, self.events(body, messages, settings))

    def events(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: AutoSettings
    ) -> AsyncIterator[chat.Event]:
        return reply_or_notice(body, lambda: self._routed(body, messages, settings))

    async def _routed(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: AutoSettings
    ) -> AsyncIterator[chat.Event]:
        if answers_pending_step(messages):  # yes or no to a step Agent-S asked about
            return self._computer_use(body, messages, settings, act=True, route="Auto → Agent-S")
        # The router reads the conversation too: an image attached now, or a few turns back.
        attached, earlier = image_placement(messages)
        decision = await self.decide(
            last_user_text(messages), has_image=attached, image_earlier=earlier, settings=settings
        )
        if decision.stage == "command":
            messages = [dict(m) for m in messages]
            replace_last_user_text(messages, decision.text)
        family = FAMILY_NAMES[decision.intent]
        if decision.intent == "code":
            model, core, extra = settings.code_model, self.code, {}
        elif decision.intent == "vision":
            model, core, extra = (
                settings.vision_model,
                self.vision,
                {"limits": settings.image_limits()},
            )
        elif decision.intent == "factory":
            route = f"Auto → Factory ({decision.confidence:.0%}, {decision.stage})"
            events = self.factory.events(body, messages, settings.factory_settings())
            return chat.with_preface(route, events)
        elif decision.intent == "image_generation":
            how = f"({decision.confidence:.0%}, {decision.stage})"
            route = f"Auto → Image · {settings.image_workflow} {how}"
            events = self.image.events(body, settings.image_workflow, messages, ImageSettings())
            return chat.with_preface(route, events)
        elif decision.intent == "computer_use":
            act = wants_screen_action(last_user_text(messages))
            family = "Agent-S" if act else "Screen"
            route = f"Auto → {family} ({decision.confidence:.0%}, {decision.stage})"
            return self._computer_use(body, messages, settings, act=act, route=route)
        else:  # general
            model, core, extra = settings.general_model, self.general, {}
        if decision.intent != "vision":
            # Pictures from turns ago the message no longer talks about: the text model gets
            # the conversation without them (it would refuse image parts).
            messages = without_earlier_images(messages)
        log.info(
            "auto: %s (%.2f, %s) -> %s", decision.intent, decision.confidence, decision.stage, model
        )
        route = f"Auto → {family} · {model} ({decision.confidence:.0%}, {decision.stage})"
        return core.events(
            body,
            model,
            messages,
            system_prompt=settings.system_prompt,
            preface=route,
            stall_timeout_s=settings.stall_timeout_s,
            think=settings.think,
            num_ctx=settings.num_ctx,
            max_num_ctx=settings.max_num_ctx,
            **extra,
        )


def _computer_use_events(
    router: AutoRouter,
    body: dict[str, Any],
    messages: list[dict[str, Any]],
    settings: AutoSettings,
    act: bool,
) -> AsyncIterator[chat.Event]:
    if act:
        agent = AgentSettings(model=settings.agent_model, mode=settings.agent_mode)
        return router.agent.events(body, messages, agent)
    screen = ScreenSettings(model=settings.screen_model, stall_timeout_s=settings.stall_timeout_s)
    return router.screen.events(body, messages, screen)


async def complete(fleet: Fleet, model: str, prompt: str) -> str:
    """A whole reply from the fleet for one prompt (no streaming to anyone)."""
    request = ChatRequest(
        model=model, messages=[ChatMessage(role="user", content=prompt)], options={"temperature": 0}
    )
    stream: AsyncIterator = fleet.chat(request)
    return "".join([delta.content async for delta in stream])
