import pytest

from alphaomega.comfyui import (
    ComfyInstanceConfig,
    ComfyPool,
    ComfyUnavailable,
    Placement,
    parse_comfyui,
)
from alphaomega.errors import ConfigError


def pool(n: int) -> ComfyPool:
    return ComfyPool(
        [ComfyInstanceConfig(url=f"http://h:{8188 + i}", gpu=f"gpu{i}") for i in range(n)]
    )


def test_the_shortest_queue_wins_and_a_loaded_checkpoint_counts():
    a, b, c = pool(3).instances
    rule = Placement(switch_cost=1.0)
    a.outstanding, b.outstanding, c.outstanding = 2, 1, 1
    b.loaded, c.loaded = "other.safetensors", "sdxl.safetensors"
    assert rule.rank([a, b, c], "sdxl.safetensors")[0] is c
    c.outstanding = 3
    assert rule.rank([a, b, c], "sdxl.safetensors")[0] is b
    b.reported_queue = 5  # what the instance itself says counts too
    assert rule.rank([a, b, c], "sdxl.safetensors")[0] is a


def test_an_instance_without_the_checkpoint_comes_last():
    a, b = pool(2).instances
    a.checkpoints = {"flux.safetensors"}
    b.outstanding = 4
    assert Placement().rank([a, b], "sdxl.safetensors")[0] is b


def test_the_grammar_is_the_fleets():
    found = parse_comfyui("gpu2=http://10.0.0.5:8188, http://10.0.0.5:8189;gpu=gpu3")
    assert [(i.gpu, i.url) for i in found] == [
        ("gpu2", "http://10.0.0.5:8188"),
        ("gpu3", "http://10.0.0.5:8189"),
    ]
    with pytest.raises(ConfigError, match="unknown option"):
        parse_comfyui("http://h:1;slots=2")
    with pytest.raises(ConfigError, match="not an http"):
        parse_comfyui("ftp://h")


async def test_a_dead_instance_is_skipped_then_kept_out_by_its_breaker(pack):
    from alphaomega import runtime
    from alphaomega.testing import free_port
    from alphaomega.testing.comfyui_sim import ComfySim

    with ComfySim(time_scale=0.01) as live:
        dead = f"http://127.0.0.1:{free_port()}"
        configs = [ComfyInstanceConfig(url=dead, gpu="gpu0"), ComfyInstanceConfig(url=live.url)]
        pool = ComfyPool(configs, queue_ttl_s=0.0)

        async def place() -> list:
            ranked = await pool.candidates("sd_xl_base_1.0.safetensors")
            pool.release(ranked[0], ok=True)
            return [i.config.url for i in ranked]

        for _ in range(2):  # the dead one fails its queue probe each time: never ranked
            assert await runtime.run(place()) == [live.url]
        assert pool.instances[0].breaker.state(pool.clock()) == "open"
        assert (
            pool.instances[1].checkpoints
            and "flux1-dev-fp8.safetensors" in pool.instances[1].checkpoints
        )
    with pytest.raises(ComfyUnavailable) as down:  # now the live one is gone too
        await runtime.run(pool.candidates(None))
    message = down.value.user_message()
    assert message.startswith("Image generation unavailable: ComfyUI at ")
    assert dead in message and live.url in message and message.endswith("does not answer.")
