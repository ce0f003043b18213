"""The node types the ComfyUI simulator knows, as ``/object_info`` describes them, and the
validation ``POST /prompt`` does (ComfyUI's ``validate_prompt``: unknown classes, missing
inputs, values not in a list, no output node)."""

from __future__ import annotations

from typing import Any

# class_type -> (required inputs: name -> spec, output node?)
NODES: dict[str, tuple[dict[str, Any], bool]] = {
    "CheckpointLoaderSimple": ({"ckpt_name": "CHECKPOINTS"}, False),
    "CLIPTextEncode": ({"text": ["STRING", {"multiline": True}], "clip": ["CLIP"]}, False),
    "EmptyLatentImage": (
        {"width": ["INT", {}], "height": ["INT", {}], "batch_size": ["INT", {}]},
        False,
    ),
    "EmptySD3LatentImage": (
        {"width": ["INT", {}], "height": ["INT", {}], "batch_size": ["INT", {}]},
        False,
    ),
    "FluxGuidance": ({"conditioning": ["CONDITIONING"], "guidance": ["FLOAT", {}]}, False),
    "KSampler": (
        {
            "model": ["MODEL"],
            "seed": ["INT", {"min": 0, "max": 2**64 - 1}],
            "steps": ["INT", {"min": 1, "max": 10000}],
            "cfg": ["FLOAT", {}],
            "sampler_name": [["euler", "euler_ancestral", "dpmpp_2m"]],
            "scheduler": [["normal", "karras", "simple"]],
            "positive": ["CONDITIONING"],
            "negative": ["CONDITIONING"],
            "latent_image": ["LATENT"],
            "denoise": ["FLOAT", {}],
        },
        False,
    ),
    "VAEDecode": ({"samples": ["LATENT"], "vae": ["VAE"]}, False),
    "VAEEncode": ({"pixels": ["IMAGE"], "vae": ["VAE"]}, False),
    "LoadImage": ({"image": "INPUTS"}, False),
    "SaveImage": ({"images": ["IMAGE"], "filename_prefix": ["STRING", {}]}, True),
    "PreviewImage": ({"images": ["IMAGE"]}, True),
}


def object_info(checkpoints: list[str], inputs: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for name, (required, output) in NODES.items():
        spec = {}
        for key, value in required.items():
            if value == "CHECKPOINTS":
                value = [list(checkpoints)]
            elif value == "INPUTS":
                value = [list(inputs), {"image_upload": True}]
            spec[key] = value
        info[name] = {
            "input": {"required": spec},
            "name": name,
            "display_name": name,
            "category": "sim",
            "output_node": output,
        }
    return info


def _error(kind: str, message: str, details: str, name: str | None = None) -> dict[str, Any]:
    extra = {"input_name": name} if name else {}
    return {"type": kind, "message": message, "details": details, "extra_info": extra}


def validate(
    graph: Any, checkpoints: list[str], inputs: list[str]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """``(error, node_errors)`` as ComfyUI answers a prompt it refuses; ``(None, {})`` if fine."""
    if not isinstance(graph, dict) or not graph:
        return _error("invalid_prompt", "Invalid prompt", "the prompt is not a graph"), {}
    for node_id, node in graph.items():
        kind = node.get("class_type") if isinstance(node, dict) else None
        if kind not in NODES:
            error = _error(
                "invalid_prompt",
                f"Cannot execute because node {kind} does not exist.",
                f"Node ID '#{node_id}'",
            )
            return error, {}
    if not any(NODES[n["class_type"]][1] for n in graph.values()):
        return _error("prompt_no_outputs", "Prompt has no outputs", ""), {}
    node_errors: dict[str, Any] = {}
    for node_id, node in graph.items():
        required, _ = NODES[node["class_type"]]
        given = node.get("inputs") or {}
        errors = []
        for name, spec in required.items():
            if name not in given:
                errors.append(
                    _error("required_input_missing", "Required input is missing", name, name)
                )
                continue
            value = given[name]
            if isinstance(value, list) and len(value) == 2 and str(value[0]) not in graph:
                errors.append(
                    _error(
                        "exception_during_inner_validation",
                        "Linked node missing",
                        f"{name}: {value[0]}",
                        name,
                    )
                )
            choices = checkpoints if spec == "CHECKPOINTS" else inputs if spec == "INPUTS" else None
            if choices is not None and value not in choices:
                errors.append(
                    _error(
                        "value_not_in_list",
                        "Value not in list",
                        f"{name}: '{value}' not in {choices}",
                        name,
                    )
                )
        if errors:
            node_errors[node_id] = {
                "errors": errors,
                "dependent_outputs": [i for i, n in graph.items() if NODES[n["class_type"]][1]],
                "class_type": node["class_type"],
            }
    if node_errors:
        error = _error("prompt_outputs_failed_validation", "Prompt outputs failed validation", "")
        return error, node_errors
    return None, {}


def order(graph: dict[str, Any]) -> list[str]:
    """The nodes in an order where every node comes after the nodes it reads from."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(node_id: str) -> None:
        if node_id in seen:
            return
        seen.add(node_id)
        for value in (graph[node_id].get("inputs") or {}).values():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) in graph:
                visit(str(value[0]))
        done.append(node_id)

    for node_id in sorted(graph, key=lambda i: (len(i), i)):
        visit(node_id)
    return done


def upstream(graph: dict[str, Any], node_id: str, name: str) -> str | None:
    value = (graph[node_id].get("inputs") or {}).get(name)
    if isinstance(value, list) and len(value) == 2 and str(value[0]) in graph:
        return str(value[0])
    return None
