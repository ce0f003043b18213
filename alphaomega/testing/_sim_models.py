"""The data a simulated Ollama instance works with: its models, faults, requests and counters.

No I/O here. Sizes are bytes; every duration is in *simulated* seconds (the simulator multiplies
them by its ``time_scale`` before sleeping).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from ..fleet import parse_size  # the same sizes the fleet's vram= reads

GB = 10**9

FaultKind = Literal[
    "down", "refuse", "error_500", "hang", "cut_mid_stream", "stall_mid_stream", "slow_first_token"
]

# The endpoints that run a model; faults hit these unless told otherwise.
INFERENCE_PATHS: tuple[str, ...] = (
    "/api/chat",
    "/api/generate",
    "/api/embed",
    "/v1/chat/completions",
)


def normalize_model_name(name: str) -> str:
    """Ollama's short form: lower case, ``:latest`` when no tag is given."""
    name = name.strip().lower()
    if name and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name


class SimModel(BaseModel):
    """One model an instance has pulled."""

    name: str = Field(description="Name with tag as /api/tags lists it, e.g. 'llama3.1:8b'")
    size: int = Field(description="Size in bytes; also the VRAM it takes once loaded")
    load_seconds: float = Field(default=3.0, description="Simulated seconds to load into VRAM")
    tokens_per_second: float = Field(default=50.0, description="Decode speed of one stream")
    prompt_tokens_per_second: float = Field(
        default=1500.0, description="Prompt evaluation speed (tokens of the prompt per second)"
    )
    vision: bool = Field(default=False, description="Accepts images ('vision' capability)")
    embedding: bool = Field(default=False, description="Embedding-only: no chat or generate")
    tools: bool = Field(default=False, description="Reports the 'tools' capability")
    thinking: bool = Field(default=False, description="Reports 'thinking': takes think=true")
    embedding_length: int = Field(default=4096, description="Dimensions /api/embed returns")
    context_length: int = Field(default=8192, description="Context length /api/ps reports")
    family: str = Field(default="llama", description="details.family")
    families: list[str] | None = Field(default=None, description="details.families")
    parameter_size: str = Field(default="7B", description="details.parameter_size")
    quantization_level: str = Field(default="Q4_K_M", description="details.quantization_level")

    @field_validator("name")
    @classmethod
    def _tagged(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a model needs a name")
        return normalize_model_name(value)

    def capabilities(self) -> list[str]:
        if self.embedding:
            return ["embedding"]
        caps = ["completion"]
        if self.tools:
            caps.append("tools")
        if self.vision:
            caps.append("vision")
        if self.thinking:
            caps.append("thinking")
        return caps


def _catalog() -> dict[str, SimModel]:
    # Sizes are those of the Ollama library's default quantizations; load times assume NVMe.
    specs: list[dict[str, Any]] = [
        dict(
            name="qwen2.5-coder:7b",
            size=4_683_087_332,
            load_seconds=3.0,
            tokens_per_second=90,
            family="qwen2",
            families=["qwen2"],
            parameter_size="7.6B",
            tools=True,
            embedding_length=3584,
            context_length=32768,
        ),
        dict(
            name="codellama:13b",
            size=7_365_960_935,
            load_seconds=4.5,
            tokens_per_second=55,
            families=["llama"],
            parameter_size="13B",
            quantization_level="Q4_0",
            embedding_length=5120,
            context_length=16384,
        ),
        dict(
            name="llava:34b",
            size=20_166_497_526,
            load_seconds=11.0,
            tokens_per_second=25,
            families=["llama", "clip"],
            parameter_size="34B",
            quantization_level="Q4_0",
            vision=True,
            embedding_length=7168,
            context_length=4096,
        ),
        dict(
            name="llama3.2-vision:11b",
            size=7_901_829_417,
            load_seconds=5.0,
            tokens_per_second=45,
            family="mllama",
            families=["mllama"],
            parameter_size="10.7B",
            vision=True,
            context_length=131072,
        ),
        dict(
            name="nomic-embed-text:latest",
            size=274_302_450,
            load_seconds=0.5,
            tokens_per_second=1000,
            prompt_tokens_per_second=8000,
            family="nomic-bert",
            families=["nomic-bert"],
            parameter_size="137M",
            quantization_level="F16",
            embedding=True,
            embedding_length=768,
            context_length=2048,
        ),
        dict(
            name="llama3.1:8b",
            size=4_920_753_328,
            load_seconds=3.0,
            tokens_per_second=80,
            families=["llama"],
            parameter_size="8.0B",
            tools=True,
            context_length=131072,
        ),
    ]
    return {spec["name"]: SimModel(**spec) for spec in specs}


CATALOG: dict[str, SimModel] = _catalog()
DEFAULT_MODEL_NAMES: tuple[str, ...] = tuple(CATALOG)


def default_models() -> list[SimModel]:
    return [model.model_copy(deep=True) for model in CATALOG.values()]


_PARAMS = re.compile(r"(\d+(?:\.\d+)?)b\b", re.IGNORECASE)


def model_from_spec(spec: str) -> SimModel:
    """A model from the CLI form ``name[=SIZE]``; known names take the catalog's figures.

    For an unknown name the size is guessed from a parameter count in it ('…:14b' -> 14B at
    about 4.7 bits per weight), and load time and speed follow from the size.
    """
    name, _, size_text = spec.partition("=")
    known = CATALOG.get(normalize_model_name(name))
    if known and not size_text:
        return known.model_copy(deep=True)
    match = _PARAMS.search(name)
    billions = float(match.group(1)) if match else 7.0
    size = parse_size(size_text) if size_text else int(billions * 0.6 * GB)
    base = known.model_dump() if known else {}
    base.update(
        name=name,
        size=size,
        load_seconds=round(0.5 + size / (1.8 * GB), 2),
        tokens_per_second=base.get("tokens_per_second", max(5.0, round(600 / max(billions, 1)))),
        parameter_size=base.get("parameter_size", f"{billions:g}B"),
    )
    return SimModel(**base)


class Fault(BaseModel):
    """A failure the instance shows on demand."""

    kind: FaultKind = Field(description="What goes wrong")
    count: int | None = Field(
        default=None, description="Only for the next N requests; None: until cleared"
    )
    after_tokens: int = Field(
        default=0,
        description="cut_mid_stream, stall_mid_stream: tokens sent before the cut, or before the "
        "instance stops writing and keeps the connection open (a process stopped by SIGSTOP)",
    )
    delay: float = Field(default=0.0, description="slow_first_token: extra simulated seconds")
    model: str | None = Field(default=None, description="Only requests for this model")
    paths: tuple[str, ...] = Field(default=INFERENCE_PATHS, description="Endpoints it hits")
    message: str | None = Field(default=None, description="Error text instead of Ollama's")

    def matches(self, path: str, model: str | None) -> bool:
        if path not in self.paths and "*" not in self.paths:
            return False
        if self.model is None:
            return True
        return model is not None and normalize_model_name(self.model) == model


class SimRequest(BaseModel):
    """What a reply function receives."""

    endpoint: str = Field(description="The path, e.g. '/api/chat'")
    model: str = Field(description="The model name as resolved (with tag)")
    prompt: str = Field(description="The last user message (chat) or the prompt (generate)")
    messages: list[dict[str, Any]] = Field(default_factory=list, description="Chat messages")
    images: int = Field(default=0, description="How many images came with the request")
    options: dict[str, Any] = Field(default_factory=dict, description="Ollama 'options'")
    body: dict[str, Any] = Field(default_factory=dict, description="The raw JSON body")
    tools: list[dict[str, Any]] = Field(default_factory=list, description="Tools offered")
    think: bool = Field(default=False, description="Whether the request asked it to think")


class SimStats(BaseModel):
    """A snapshot of an instance's counters (cumulative across restarts)."""

    requests: int = Field(description="Inference requests received")
    requests_by_path: dict[str, int] = Field(
        description="Inference requests received per endpoint, e.g. '/api/embed'"
    )
    served: int = Field(description="Inference requests answered in full")
    failed: int = Field(description="Inference requests that ended in an error, fault or cut")
    rejected: int = Field(description="Requests refused because the queue was full (503)")
    cold_loads: dict[str, int] = Field(description="Loads into VRAM per model")
    evictions: dict[str, int] = Field(description="Unloads to make room, per model")
    served_by_model: dict[str, int] = Field(description="Answered requests per model")
    faults_fired: dict[str, int] = Field(description="Faults that hit a request, per kind")
    loaded: list[str] = Field(description="Models in VRAM, least recently used first")
    vram_used: int = Field(description="Bytes of VRAM in use")
    in_flight: int = Field(description="Requests holding a slot now")
    queued: int = Field(description="Requests waiting for a slot now")
    max_in_flight: int = Field(description="Most slots ever in use at once")
    admitted: list[str] = Field(description="Prompts in the order they got a slot (last 1000)")
