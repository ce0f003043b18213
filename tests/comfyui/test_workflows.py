import json

import pytest

from alphaomega.comfyui import (
    builtin_names,
    builtin_workflow,
    output_images,
    parse_message,
    parse_workflow,
)
from alphaomega.errors import ConfigError, InputError


def test_the_pack_ships_sdxl_flux_sd15_and_img2img():
    assert set(builtin_names()) >= {"sdxl", "flux", "sd15", "img2img"}
    assert builtin_workflow("flux").family == "flux"
    assert builtin_workflow("img2img").node_id("image") is not None


def test_fill_puts_the_parameters_in_by_name_not_position():
    workflow = builtin_workflow("flux")
    graph = workflow.fill(parse_message("koi --ar 16:9 --cfg 2.5 --n 2"), seed=42)
    by_title = {n["_meta"]["title"]: n["inputs"] for n in graph.values()}
    assert by_title["Positive"]["text"] == "koi"
    assert by_title["Guidance"]["guidance"] == 2.5  # Flux: --cfg is its guidance
    assert by_title["Sampler"]["cfg"] == 1.0 and by_title["Sampler"]["seed"] == 42
    assert (by_title["Latent"]["width"], by_title["Latent"]["height"]) == (1360, 768)
    assert by_title["Latent"]["batch_size"] == 2
    assert workflow.graph["3"]["inputs"]["seed"] == 0  # the template itself is untouched


def test_img2img_without_a_picture_says_so():
    with pytest.raises(InputError, match="needs an input picture"):
        builtin_workflow("img2img").fill(parse_message("x"), seed=1)


def test_a_pasted_workflow_names_what_is_missing():
    doc = builtin_workflow("sdxl").model_dump()
    del doc["graph"]["5"]
    with pytest.raises(ConfigError, match="input `width` names node 'Latent'"):
        parse_workflow(json.dumps(doc))
    with pytest.raises(ConfigError, match="needs"):
        parse_workflow(json.dumps(doc["graph"]))
    with pytest.raises(ConfigError, match="not JSON"):
        parse_workflow("{nope")
    no_prompt = builtin_workflow("sdxl").model_dump()
    del no_prompt["inputs"]["prompt"]
    with pytest.raises(ConfigError, match="no `prompt` input"):
        parse_workflow(json.dumps(no_prompt))


def test_a_node_is_found_by_class_when_no_title_matches():
    doc = builtin_workflow("sdxl").model_dump()
    doc["inputs"]["seed"] = {"node": "KSampler", "input": "seed"}
    assert parse_workflow(json.dumps(doc)).node_id("seed") == "3"


def test_images_come_from_every_output_node_once_saved_before_previews():
    outputs = {
        "12": {"images": [{"filename": "b.png", "subfolder": "", "type": "output"}]},
        "9": {
            "images": [
                {"filename": "a.png", "subfolder": "", "type": "output"},
                {"filename": "a.png", "subfolder": "", "type": "output"},
            ]
        },
        "10": {"images": [{"filename": "p.png", "subfolder": "", "type": "temp"}]},
        "11": {"text": ["not an image"]},
    }
    assert [i["filename"] for i in output_images(outputs)] == ["a.png", "b.png"]
    previews = {"10": outputs["10"]}
    assert [i["filename"] for i in output_images(previews)] == ["p.png"]
