"""The Image model over ComfyUI: workflows as data, parameters from the message, one ComfyUI
per GPU, progress as status lines and the pictures in the chat."""

from ._client import (
    ComfyClient,
    ComfyUnavailable,
    ImageRef,
    QueueState,
    RenderFailed,
    WorkflowRejected,
    node_problems,
)
from ._config import ENV_COMFYUI, ComfyInstanceConfig, comfyui_from_env, parse_comfyui
from ._model import ImageModel, Job
from ._params import ImageParams, parse_message, snap_size
from ._pool import ComfyInstance, ComfyPool, Placement
from ._probe import ComfyProbe, probe_comfyui, render_comfyui
from ._render import RenderLimits, render
from ._settings import ImageSettings
from ._tool import ImageTool, ImageToolSettings
from ._workflows import Workflow, builtin_names, builtin_workflow, output_images, parse_workflow

__all__ = [
    "ENV_COMFYUI",
    "ComfyClient",
    "ComfyInstance",
    "ComfyInstanceConfig",
    "ComfyPool",
    "ComfyProbe",
    "ComfyUnavailable",
    "ImageModel",
    "ImageParams",
    "ImageRef",
    "ImageSettings",
    "ImageTool",
    "ImageToolSettings",
    "Job",
    "Placement",
    "QueueState",
    "RenderFailed",
    "RenderLimits",
    "Workflow",
    "WorkflowRejected",
    "builtin_names",
    "builtin_workflow",
    "comfyui_from_env",
    "node_problems",
    "output_images",
    "parse_comfyui",
    "parse_message",
    "parse_workflow",
    "probe_comfyui",
    "render",
    "render_comfyui",
    "snap_size",
]
