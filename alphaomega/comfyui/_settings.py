"""The Image model's settings; the plugin's Valves are this model."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from ..errors import ConfigError
from ._render import RenderLimits
from ._workflows import Workflow, builtin_names, builtin_workflow, parse_workflow


class ImageSettings(BaseModel):
    workflows: list[str] = Field(
        default=["sdxl", "flux", "sd15"],
        description="Built-in workflows offered as AlphaOmega · Image models "
        "(sdxl, flux, sd15; img2img is used when a picture is attached).",
    )
    custom_workflow: str | None = Field(
        default=None,
        description='Paste a workflow to offer it too: {"name", "family", "inputs", "graph"} '
        "with graph = ComfyUI's 'Save (API)' JSON (see docs/image.md). Checked on save.",
    )
    img2img_workflow: str = Field(
        default="img2img",
        description="Workflow used when the message has a picture attached (its checkpoint "
        "becomes the chosen model's).",
    )
    checkpoints: dict[str, str] = Field(
        default_factory=dict,
        description='Checkpoint per workflow when yours are named otherwise, e.g. {"sdxl": '
        '"juggernautXL_v9.safetensors"} (empty: the workflow\'s own).',
    )
    denoise: float = Field(
        default=0.6, gt=0, le=1, description="How much img2img redraws the attached picture."
    )
    switch_cost: float = Field(
        default=1.0,
        ge=0,
        description="A checkpoint switch counted as this many queued renders when placing.",
    )
    connect_timeout_s: float = Field(
        default=1.5, gt=0, le=10, description="How long a ComfyUI may take to accept a connection."
    )
    keepalive_s: float = Field(
        default=5.0,
        gt=0,
        description="A render silent this long repeats its status line (Open WebUI never "
        "times out on a long render).",
    )
    render_timeout_s: float = Field(
        default=900.0, gt=0, description="Longest wait for one render, seconds."
    )

    @field_validator("custom_workflow")
    @classmethod
    def _valid_workflow(cls, value: str | None) -> str | None:
        if value and value.strip():
            try:
                parse_workflow(value)
            except ConfigError as exc:
                raise ValueError(str(exc)) from exc
        return value

    @field_validator("workflows")
    @classmethod
    def _known_workflows(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in builtin_names()]
        if unknown:
            raise ValueError(
                f"unknown workflow(s) {', '.join(unknown)}; built in: {', '.join(builtin_names())}"
            )
        return value

    def offered(self) -> list[Workflow]:
        found = [builtin_workflow(name) for name in dict.fromkeys(self.workflows)]
        if self.custom_workflow and self.custom_workflow.strip():
            custom = parse_workflow(self.custom_workflow)
            found = [w for w in found if w.name != custom.name] + [custom]
        return found

    def find_workflow(self, name: str) -> Workflow:
        for workflow in self.offered():
            if workflow.name == name:
                return workflow
        raise ConfigError(
            f"no workflow {name!r} is offered; offered: {', '.join(w.name for w in self.offered())}"
        )

    def img2img(self) -> Workflow:
        """The workflow for a message with a picture: the pasted one if so named, else built in."""
        if self.custom_workflow and self.custom_workflow.strip():
            custom = parse_workflow(self.custom_workflow)
            if custom.name == self.img2img_workflow:
                return custom
        workflow = builtin_workflow(self.img2img_workflow)
        if "image" not in workflow.inputs:
            raise ConfigError(f"the img2img workflow {workflow.name} names no `image` input")
        return workflow

    def limits(self) -> RenderLimits:
        return RenderLimits(keepalive_s=self.keepalive_s, timeout_s=self.render_timeout_s)
