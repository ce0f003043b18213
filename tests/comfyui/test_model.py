"""The Image model's core on the pack's loop: what a finished render leaves behind."""

from __future__ import annotations

from alphaomega import chat, runtime
from alphaomega.comfyui import ComfyInstanceConfig, ImageModel, ImageSettings
from alphaomega.testing.comfyui_sim import ComfySim


async def test_a_finished_render_frees_its_place_and_counts_as_a_success(pack):
    with ComfySim(time_scale=0.01) as comfy:
        core = ImageModel([ComfyInstanceConfig(url=comfy.url, gpu="gpu2")])
        settings = ImageSettings()
        instance = core.pool(settings).instances[0]
        instance.breaker.consecutive = 1  # one failure before: a success must clear it
        messages = [{"role": "user", "content": "a kite --steps 2 --seed 9"}]

        async def draw() -> list[chat.Event]:
            return [e async for e in core.events({}, "sd15", messages, settings)]

        events = await runtime.run(draw())
    kinds = [type(e).__name__ for e in events]
    assert kinds[-3:] == ["Images", "Text", "Finish"]
    # The status line is cleared before the pictures go out.
    assert isinstance(events[-4], chat.Status) and events[-4].done
    assert instance.outstanding == 0 and instance.breaker.consecutive == 0
    assert instance.loaded == "v1-5-pruned-emaonly.safetensors"
