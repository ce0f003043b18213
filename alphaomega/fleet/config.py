"""Which backend instances make up the fleet (no I/O beyond reading the environment).

``ALPHAOMEGA_FLEET`` is a comma-separated list of instances. Each is a URL, optionally prefixed
with its kind (``openai+http://host:8080`` for an OpenAI-compatible server; plain URLs are
Ollama). Default: one Ollama at ``http://127.0.0.1:11434``.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, Field

from ..errors import ConfigError

DEFAULT_FLEET = "http://127.0.0.1:11434"
ENV_FLEET = "ALPHAOMEGA_FLEET"


class InstanceConfig(BaseModel):
    url: str = Field(description="Base URL of the instance, e.g. http://127.0.0.1:11434")
    kind: Literal["ollama", "openai"] = Field(default="ollama", description="Wire protocol")
    gpu: str = Field(default="", description="GPU label shown by doctor, e.g. 'gpu0'")
    slots: int = Field(default=1, ge=1, description="Requests it runs at once (OLLAMA_NUM_PARALLEL)")
    models: list[str] = Field(default_factory=list, description="Models pinned to this instance")

    @property
    def name(self) -> str:
        return self.gpu or self.url


class FleetConfig(BaseModel):
    instances: list[InstanceConfig]


def parse_fleet(spec: str) -> FleetConfig:
    instances = []
    for index, raw in enumerate(part.strip() for part in spec.split(",")):
        if not raw:
            continue
        kind = "ollama"
        if "+" in raw.split("://", 1)[0]:
            kind, raw = raw.split("+", 1)
        if kind not in ("ollama", "openai"):
            raise ConfigError(f"{ENV_FLEET}: unknown kind {kind!r} in {raw!r} (ollama or openai)")
        if not raw.startswith(("http://", "https://")):
            raise ConfigError(f"{ENV_FLEET}: {raw!r} is not an http(s) URL")
        instances.append(InstanceConfig(url=raw.rstrip("/"), kind=kind, gpu=f"gpu{index}"))
    if not instances:
        raise ConfigError(f"{ENV_FLEET} names no instance")
    return FleetConfig(instances=instances)


def fleet_from_env(environ: dict[str, str] | None = None) -> FleetConfig:
    env = os.environ if environ is None else environ
    return parse_fleet(env.get(ENV_FLEET, "").strip() or DEFAULT_FLEET)
