import pytest

from alphaomega.comfyui import ComfyInstanceConfig, ComfyPool, Placement, parse_comfyui
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
