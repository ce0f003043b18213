"""Which ComfyUI instances the pack uses, one per GPU (no I/O beyond the environment).

``ALPHAOMEGA_COMFYUI`` uses the fleet's grammar: instances separated by commas, each
``[LABEL=]URL[;gpu=LABEL]``, e.g. ``gpu2=http://10.0.0.5:8188,gpu3=http://10.0.0.5:8189``.
Default: one ComfyUI at ``http://127.0.0.1:8188``.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field, ValidationError, field_validator

from ..errors import ConfigError

DEFAULT_COMFYUI = "http://127.0.0.1:8188"
ENV_COMFYUI = "ALPHAOMEGA_COMFYUI"


class ComfyInstanceConfig(BaseModel):
    url: str = Field(description="Base URL of the ComfyUI instance, e.g. http://127.0.0.1:8188")
    gpu: str = Field(default="", description="Label shown in status lines and by doctor")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @property
    def name(self) -> str:
        return self.gpu or self.url.split("://", 1)[-1]


def parse_comfyui(text: str) -> list[ComfyInstanceConfig]:
    """``[LABEL=]URL[;gpu=LABEL],...`` -> instances (a ConfigError names the bad part)."""
    instances: list[ComfyInstanceConfig] = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        head, *options = [p.strip() for p in part.split(";")]
        label, sep, url = head.partition("=")
        if not sep or label.startswith(("http://", "https://")):
            label, url = "", head
        fields: dict[str, str] = {"url": url, "gpu": label.strip()}
        for option in options:
            key, eq, value = option.partition("=")
            if not eq or key.strip() != "gpu":
                raise ConfigError(f"{ENV_COMFYUI}: unknown option {option!r} in {part!r}")
            fields["gpu"] = value.strip()
        try:
            instances.append(ComfyInstanceConfig(**fields))
        except ValidationError as exc:
            raise ConfigError(f"{ENV_COMFYUI}: {part!r}: {exc.errors()[0]['msg']}") from exc
    if not instances:
        raise ConfigError(f"{ENV_COMFYUI} names no instance")
    return instances


def comfyui_from_env() -> list[ComfyInstanceConfig]:
    return parse_comfyui(os.environ.get(ENV_COMFYUI, "").strip() or DEFAULT_COMFYUI)
