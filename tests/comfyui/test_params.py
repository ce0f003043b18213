import pytest

from alphaomega.comfyui import parse_message, snap_size
from alphaomega.errors import InputError


def test_flags_are_read_and_the_rest_is_the_prompt():
    p = parse_message("a lighthouse at dusk, oil painting --ar 16:9 --seed 7")
    assert (p.prompt, p.seed, p.ratio) == ("a lighthouse at dusk, oil painting", 7, (16, 9))
    assert p.size("sdxl") == (1344, 768)


def test_negative_runs_to_the_next_known_flag_and_unknown_flags_stay():
    p = parse_message("a fox --style raw --no people, text --v 6 --steps 30")
    assert p.prompt == "a fox --style raw"
    assert p.negative == "people, text --v 6"
    assert p.steps == 30


def test_dashes_a_keyboard_made_and_equals_signs_are_understood():
    p = parse_message("harbour —ar 3:2 –seed 5 --cfg=4.5 --N 2")
    assert (p.prompt, p.ratio, p.seed, p.cfg, p.n) == ("harbour", (3, 2), 5, 4.5, 2)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("x --seed -1", "--seed -1"),
        ("x --steps 999", "--steps 999"),
        ("x --n 5", "--n 5"),
        ("x --cfg lots", "--cfg lots"),
        ("x --ar 16x9", "--ar 16x9"),
        ("x --ar 10:1", "--ar 10:1"),
        ("x --no", "--no"),
        ("--seed 3", "no description"),
    ],
)
def test_a_bad_value_is_a_readable_error_naming_the_flag(text, named):
    with pytest.raises(InputError, match=named):
        parse_message(text)


@pytest.mark.parametrize(
    ("family", "ratio", "size"),
    [
        ("sdxl", (1, 1), (1024, 1024)),
        ("sdxl", (9, 16), (768, 1344)),
        ("sdxl", (21, 9), (1536, 640)),
        ("flux", (16, 9), (1360, 768)),
        ("sd15", (16, 9), (704, 384)),
        ("sd15", (2, 3), (448, 640)),
    ],
)
def test_sizes_snap_to_the_family(family, ratio, size):
    width, height = snap_size(family, ratio)
    assert (width, height) == size
    multiple = {"sdxl": 64, "flux": 16, "sd15": 64}[family]
    assert width % multiple == 0 and height % multiple == 0
