"""Workflows as data: API-format ComfyUI graphs with their inputs named (no I/O but reading the
package's templates; the format is in ``workflows/README.md``)."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ..errors import ConfigError, InputError
from ._params import ImageParams

INPUT_NAMES = (
    "prompt",
    "negative",
    "seed",
    "steps",
    "cfg",
    "width",
    "height",
    "batch",
    "checkpoint",
    "denoise",
    "image",
)
Family = Literal["sdxl", "flux", "sd15"]
# Output nodes whose images are temporary previews: used only when nothing was saved.
PREVIEW_TYPES = ("temp",)


class InputRef(BaseModel):
    node: str = Field(description="The node's title (_meta.title) or its class_type.")
    input: str = Field(description="The input of that node the value goes into.")


class Workflow(BaseModel):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    family: Family = "sdxl"
    description: str = ""
    inputs: dict[str, InputRef]
    graph: dict[str, dict[str, Any]]

    def node_id(self, name: str) -> str | None:
        """The id of the node an input names (None: the workflow lacks that input)."""
        ref = self.inputs.get(name)
        if ref is None:
            return None
        return _find_node(self.graph, ref.node)

    def default(self, name: str) -> Any:
        node = self.node_id(name)
        return None if node is None else self.graph[node]["inputs"].get(self.inputs[name].input)

    @property
    def checkpoint(self) -> str | None:
        value = self.default("checkpoint")
        return value if isinstance(value, str) else None

    @property
    def class_types(self) -> set[str]:
        return {str(node.get("class_type")) for node in self.graph.values()}

    def fill(
        self,
        params: ImageParams,
        *,
        seed: int,
        checkpoint: str | None = None,
        image: str | None = None,
        denoise: float | None = None,
    ) -> dict[str, dict[str, Any]]:
        """The graph to queue: a copy with the message's parameters put in."""
        graph = copy.deepcopy(self.graph)
        width, height = params.size(self.family)
        values: dict[str, Any] = {
            "prompt": params.prompt,
            "negative": params.negative,
            "seed": seed,
            "steps": params.steps,
            "cfg": params.cfg,
            "width": width,
            "height": height,
            "batch": params.n,
            "checkpoint": checkpoint,
            "denoise": denoise,
            "image": image,
        }
        if "image" in self.inputs and image is None:
            raise InputError(f"The workflow {self.name} needs an input picture: attach one.")
        for name, value in values.items():
            node = self.node_id(name)
            if node is None or value is None:
                continue
            graph[node]["inputs"][self.inputs[name].input] = value
        return graph


def _find_node(graph: dict[str, dict[str, Any]], ref: str) -> str | None:
    titled = [i for i, n in graph.items() if (n.get("_meta") or {}).get("title") == ref]
    if len(titled) == 1:
        return titled[0]
    typed = [i for i, n in graph.items() if n.get("class_type") == ref]
    if not titled and len(typed) == 1:
        return typed[0]
    return None


def validate(workflow: Workflow) -> Workflow:
    """Check every named input reaches a node that has that input; a ConfigError says which."""
    if "prompt" not in workflow.inputs:
        raise ConfigError(f"workflow {workflow.name}: it names no `prompt` input")
    for name, ref in workflow.inputs.items():
        if name not in INPUT_NAMES:
            raise ConfigError(
                f"workflow {workflow.name}: unknown input {name!r} "
                f"(known: {', '.join(INPUT_NAMES)})"
            )
        node = _find_node(workflow.graph, ref.node)
        if node is None:
            raise ConfigError(
                f"workflow {workflow.name}: input `{name}` names node {ref.node!r}, but no single "
                "node has that title or class_type"
            )
        if ref.input not in (workflow.graph[node].get("inputs") or {}):
            raise ConfigError(
                f"workflow {workflow.name}: input `{name}` names `{ref.input}` of node "
                f"{node} ({ref.node}), which has no such input"
            )
    for node_id, node in workflow.graph.items():
        if not isinstance(node, dict) or not isinstance(node.get("class_type"), str):
            raise ConfigError(
                f"workflow {workflow.name}: node {node_id} has no class_type (is this the API "
                "format? In ComfyUI use 'Save (API)')"
            )
    return workflow


def parse_workflow(text: str) -> Workflow:
    """A workflow an admin pasted (the template format of ``workflows/README.md``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"the pasted workflow is not JSON: {exc}") from exc
    if not isinstance(data, dict) or "graph" not in data:
        raise ConfigError(
            'the pasted workflow needs {"name", "family", "inputs", "graph"}; "graph" is the '
            "API-format JSON from ComfyUI's 'Save (API)'"
        )
    try:
        workflow = Workflow.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"the pasted workflow: {where}: {first['msg']}") from exc
    return validate(workflow)


@cache
def _builtin_text(name: str) -> str:
    return resources.files(__package__).joinpath("workflows", f"{name}.json").read_text("utf-8")


def builtin_names() -> list[str]:
    folder = resources.files(__package__).joinpath("workflows")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def builtin_workflow(name: str) -> Workflow:
    if name not in builtin_names():
        raise ConfigError(f"no workflow named {name!r}; the pack has {', '.join(builtin_names())}")
    return parse_workflow(_builtin_text(name))


def output_images(outputs: dict[str, Any]) -> list[dict[str, str]]:
    """The images of every output node that produced some, each once; saved images when there
    are any, else the previews (a graph with a SaveImage and a PreviewImage of the same picture
    gives it once)."""
    seen: set[tuple[str, str, str]] = set()
    images: list[dict[str, str]] = []
    for node_id in sorted(outputs, key=_node_order):
        for image in (outputs[node_id] or {}).get("images") or []:
            if not isinstance(image, dict) or not image.get("filename"):
                continue
            key = (str(image["filename"]), str(image.get("subfolder", "")), str(image.get("type")))
            if key not in seen:
                seen.add(key)
                images.append({"filename": key[0], "subfolder": key[1], "type": key[2]})
    saved = [i for i in images if i["type"] not in PREVIEW_TYPES]
    return saved or images


def _node_order(node_id: str) -> tuple[int, str]:
    return (int(node_id), node_id) if node_id.isdigit() else (1 << 30, node_id)
