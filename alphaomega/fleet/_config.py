"""Which backend instances make up the fleet, and how it schedules (no I/O beyond reading the
environment and the fleet file).

``ALPHAOMEGA_FLEET`` is the compact one-line form: instances separated by commas, each
``[LABEL=][KIND+]URL[;key=value]...``::

    http://127.0.0.1:11434
    http://h:11434,openai+http://h:8080
    gpu0=http://h:11434;slots=4;models=a|b;vram=24GB, gpu1=openai+http://h:8080

Keys: ``gpu`` (label), ``kind`` (``ollama`` or ``openai``), ``slots`` (OLLAMA_NUM_PARALLEL),
``models`` (pinned, ``|``-separated), ``vram`` (GPU memory, e.g. ``24GB``; unknown when absent).

``ALPHAOMEGA_FLEET_FILE`` names a YAML or JSON file instead: ``{"instances": [{"url": ...,
"gpu": ..., "kind": ..., "slots": ..., "models": [...], "vram": "24GB"}], "settings": {...}}``
(a bare list of instances works too). ``ALPHAOMEGA_FLEET_OPTIONS`` (``key=value;...``) sets
``FleetSettings`` fields for either form. Default: one Ollama at ``http://127.0.0.1:11434``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from ..errors import ConfigError

DEFAULT_FLEET = "http://127.0.0.1:11434"
ENV_FLEET = "ALPHAOMEGA_FLEET"
ENV_FLEET_FILE = "ALPHAOMEGA_FLEET_FILE"
ENV_FLEET_OPTIONS = "ALPHAOMEGA_FLEET_OPTIONS"
KINDS = ("ollama", "openai")

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*$", re.IGNORECASE)
_UNITS = {
    "": 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
}


def parse_size(text: str | int | float) -> int:
    """'24GB' -> 24e9 bytes, '24GiB' -> 24 * 2**30; a bare number is bytes."""
    if isinstance(text, int | float):
        return int(text)
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"not a size: {text!r} (try '24GB')")
    number, unit = match.groups()
    return int(float(number) * _UNITS[(unit or "").lower()])


class InstanceConfig(BaseModel):
    url: str = Field(description="Base URL of the instance, e.g. http://127.0.0.1:11434")
    kind: Literal["ollama", "openai"] = Field(default="ollama", description="Wire protocol")
    gpu: str = Field(default="", description="GPU label shown by doctor, e.g. 'gpu0'")
    slots: int = Field(
        default=1, ge=1, description="Requests it runs at once (OLLAMA_NUM_PARALLEL)"
    )
    models: list[str] = Field(default_factory=list, description="Models pinned to this instance")
    vram: int = Field(default=0, ge=0, description="GPU memory in bytes; 0 when unknown")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("vram", mode="before")
    @classmethod
    def _size(cls, value: Any) -> int:
        return parse_size(value) if value not in (None, "") else 0

    @field_validator("models", mode="before")
    @classmethod
    def _model_list(cls, value: Any) -> list[str]:
        if isinstance(value, str):
            value = value.split("|")
        return [str(name).strip() for name in value or [] if str(name).strip()]

    @property
    def name(self) -> str:
        return self.gpu or self.url


class FleetSettings(BaseModel):
    """How the fleet schedules and fails over; seconds are wall-clock seconds."""

    refresh_s: float = Field(default=5.0, gt=0, description="Health and /api/ps refresh interval")
    probe_timeout_s: float = Field(default=3.0, gt=0, description="Timeout of one health probe")
    first_token_timeout_s: float = Field(
        default=180.0, gt=0, description="A reply with no first token by then fails over"
    )
    deadline_s: float = Field(
        default=300.0, gt=0, description="Overall time to find an instance that starts a reply"
    )
    breaker_failures: int = Field(default=3, ge=1, description="Failures in a row that open it")
    breaker_cooldown_s: float = Field(default=10.0, gt=0, description="Open this long, then probe")
    hot_s: float = Field(
        default=300.0, gt=0, description="A loaded model used this recently is 'hot': not evicted"
    )
    default_hold_s: float = Field(
        default=10.0, gt=0, description="Assumed slot hold time of a reply until one is measured"
    )


class FleetConfig(BaseModel):
    instances: list[InstanceConfig]
    settings: FleetSettings = Field(default_factory=FleetSettings)


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def parse_instance(raw: str, index: int) -> InstanceConfig:
    """One compact item: ``[LABEL=][KIND+]URL[;key=value]...``."""
    head, *options = [part.strip() for part in raw.split(";")]
    fields: dict[str, Any] = {"gpu": f"gpu{index}"}
    label, sep, rest = head.partition("=")
    if sep and "://" not in label:
        fields["gpu"], head = label.strip(), rest.strip()
    scheme = head.split("://", 1)[0]
    if "+" in scheme:
        fields["kind"], head = head.split("+", 1)
    fields["url"] = head
    for option in filter(None, options):
        key, sep, value = option.partition("=")
        key = key.strip().lower()
        if not sep or key not in ("gpu", "kind", "slots", "models", "vram"):
            raise _fail(
                ENV_FLEET, f"unknown option {option!r} in {raw!r} (gpu, kind, slots, models, vram)"
            )
        fields[key] = value.strip()
    if fields.get("kind", "ollama") not in KINDS:
        raise _fail(ENV_FLEET, f"unknown kind {fields['kind']!r} in {raw!r} (ollama or openai)")
    try:
        return InstanceConfig(**fields)
    except ValidationError as exc:
        raise _fail(ENV_FLEET, f"{raw!r}: {_first_error(exc)}") from exc


def parse_fleet(spec: str, options: str = "") -> FleetConfig:
    items = [part.strip() for part in spec.split(",")]
    instances = [parse_instance(raw, index) for index, raw in enumerate(items) if raw]
    if not instances:
        raise _fail(ENV_FLEET, "names no instance")
    return _fleet({"instances": instances, "settings": parse_options(options)}, ENV_FLEET)


def parse_options(text: str) -> dict[str, str]:
    """``key=value;key=value`` of ``FleetSettings`` fields."""
    settings: dict[str, str] = {}
    for option in filter(None, (part.strip() for part in text.split(";"))):
        key, sep, value = option.partition("=")
        if not sep or key.strip() not in FleetSettings.model_fields:
            known = ", ".join(FleetSettings.model_fields)
            raise _fail(ENV_FLEET_OPTIONS, f"unknown option {option!r} ({known})")
        settings[key.strip()] = value.strip()
    return settings


def load_fleet_file(path: Path, options: str = "") -> FleetConfig:
    try:
        text = path.read_text()
    except OSError as exc:
        raise _fail(ENV_FLEET_FILE, f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise _fail(ENV_FLEET_FILE, f"{path} is not valid JSON/YAML: {exc}") from exc
    if isinstance(data, list):
        data = {"instances": data}
    if not isinstance(data, dict) or not data.get("instances"):
        raise _fail(ENV_FLEET_FILE, f"{path} lists no instances")
    for index, instance in enumerate(data["instances"]):
        if isinstance(instance, dict):
            instance.setdefault("gpu", f"gpu{index}")
    data["settings"] = {**(data.get("settings") or {}), **parse_options(options)}
    return _fleet(data, str(path))


def _fleet(data: dict[str, Any], where: str) -> FleetConfig:
    try:
        config = FleetConfig.model_validate(data)
    except ValidationError as exc:
        raise _fail(where, _first_error(exc)) from exc
    names = [instance.name for instance in config.instances]
    if len(set(names)) != len(names):
        raise _fail(where, f"two instances share a label: {names}")
    return config


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def fleet_from_env(environ: dict[str, str] | None = None) -> FleetConfig:
    env = os.environ if environ is None else environ
    options = env.get(ENV_FLEET_OPTIONS, "")
    file = env.get(ENV_FLEET_FILE, "").strip()
    if file:
        return load_fleet_file(Path(file), options)
    return parse_fleet(env.get(ENV_FLEET, "").strip() or DEFAULT_FLEET, options)
