"""The Image scenario's equipment: a ComfyUI simulator the pack's Image model renders on."""

from __future__ import annotations

from typing import Any

IMAGE_NAME = "AlphaOmega · Image · sdxl"
# A render of 25 steps takes about 2.5 s: long enough to see the progress line in the page.
COMFY_TIME_SCALE = 0.4


def start_comfyui() -> Any:
    """A ComfyUI simulator, started; use it as a context manager."""
    from alphaomega.testing.comfyui_sim import ComfySim

    return ComfySim(time_scale=COMFY_TIME_SCALE, load_s=1.0).start()
