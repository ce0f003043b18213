"""``alphaomega compose``: the per-GPU docker compose override and its matching fleet setting.

The base ``docker-compose.yml`` runs one Ollama (``ollama-gpu0``) without a GPU reservation, so
it starts anywhere. The override written here gives every GPU its own Ollama service pinned to
that device (NVIDIA: ``deploy.resources.reservations.devices`` with ``device_ids``; AMD ROCm: the
``rocm`` image with ``/dev/kfd``, ``/dev/dri`` and the visible-device variable) and points the
pack's fleet, and the one-shot ``pull`` service of the ``pull`` profile, at all of them.
``--comfyui-gpus`` adds a ComfyUI service on each GPU named, and points the Image model at them
(``ALPHAOMEGA_COMFYUI``).

ComfyUI publishes no official image: the services use the community image
``yanwk/comfyui-boot`` (``cu124-slim`` for NVIDIA, ``rocm`` for AMD), a choice, not a
requirement. Set ``COMFYUI_IMAGE`` in ``.env`` to use another one that serves ComfyUI on port
8188; models go in the ``comfyui-models`` volume.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any, Literal

import yaml

from .errors import ConfigError

Vendor = Literal["nvidia", "amd"]
OLLAMA_IMAGE = "ollama/ollama:latest"
OLLAMA_ROCM_IMAGE = "ollama/ollama:rocm"
OLLAMA_PORT = 11434
COMFYUI_IMAGE = "yanwk/comfyui-boot:cu124-slim"
COMFYUI_ROCM_IMAGE = "yanwk/comfyui-boot:rocm"
COMFYUI_PORT = 8188


def service_name(index: int) -> str:
    return f"ollama-gpu{index}"


def fleet_setting(gpus: int, vram: Sequence[int] = ()) -> str:
    """The ``ALPHAOMEGA_FLEET`` value naming every per-GPU service by its compose host name;
    with each GPU's memory (bytes) when known, so placement knows what fits where."""
    return ",".join(
        f"gpu{i}=http://{service_name(i)}:{OLLAMA_PORT};slots=${{OLLAMA_NUM_PARALLEL:-4}}"
        + (f";vram={vram[i] // 2**20}MiB" if i < len(vram) and vram[i] > 0 else "")
        for i in range(gpus)
    )


def ollama_service(index: int, vendor: Vendor) -> dict[str, Any]:
    service: dict[str, Any] = {
        "image": OLLAMA_ROCM_IMAGE if vendor == "amd" else OLLAMA_IMAGE,
        "restart": "unless-stopped",
        "volumes": ["ollama-models:/root/.ollama"],
        "environment": {
            "OLLAMA_KEEP_ALIVE": "${OLLAMA_KEEP_ALIVE:-30m}",
            "OLLAMA_NUM_PARALLEL": "${OLLAMA_NUM_PARALLEL:-4}",
        },
        "healthcheck": {
            "test": ["CMD", "ollama", "list"],
            "interval": "30s",
            "timeout": "10s",
            "retries": 5,
            "start_period": "30s",
        },
    }
    if vendor == "nvidia":
        service["deploy"] = {
            "resources": {
                "reservations": {
                    "devices": [
                        {"driver": "nvidia", "device_ids": [str(index)], "capabilities": ["gpu"]}
                    ]
                }
            }
        }
    else:
        service["devices"] = ["/dev/kfd", "/dev/dri"]
        service["group_add"] = ["video", "render"]
        service["environment"]["ROCR_VISIBLE_DEVICES"] = str(index)
    return service


def comfyui_name(index: int) -> str:
    return f"comfyui-gpu{index}"


def comfyui_setting(indices: list[int]) -> str:
    """The ``ALPHAOMEGA_COMFYUI`` value naming every ComfyUI service by its compose host name."""
    return ",".join(f"gpu{i}=http://{comfyui_name(i)}:{COMFYUI_PORT}" for i in indices)


def parse_gpu_list(text: str) -> list[int]:
    """'2,3' -> [2, 3]; '' -> []."""
    indices = [part.strip() for part in text.split(",") if part.strip()]
    if not all(i.isdigit() for i in indices):
        raise ConfigError(f"--comfyui-gpus takes GPU indices like '2' or '2,3', not {text!r}")
    return sorted({int(i) for i in indices})


def comfyui_service(index: int, vendor: Vendor) -> dict[str, Any]:
    default = COMFYUI_ROCM_IMAGE if vendor == "amd" else COMFYUI_IMAGE
    service = ollama_service(index, vendor)  # the same GPU pinning
    service.update(
        image=f"${{COMFYUI_IMAGE:-{default}}}",
        volumes=["comfyui-models:/root/ComfyUI/models", "comfyui-output:/root/ComfyUI/output"],
        environment={"CLI_ARGS": "--listen 0.0.0.0 --port 8188"},
        healthcheck={
            "test": [
                "CMD",
                "python3",
                "-c",
                f"import urllib.request; urllib.request.urlopen("
                f"'http://127.0.0.1:{COMFYUI_PORT}/system_stats')",
            ],
            "interval": "30s",
            "timeout": "10s",
            "retries": 5,
            "start_period": "120s",
        },
    )
    if vendor == "amd":
        service["environment"]["ROCR_VISIBLE_DEVICES"] = str(index)
    return service


def override(
    gpus: int, vendor: Vendor, vram: Sequence[int] = (), comfyui_gpus: Sequence[int] = ()
) -> dict[str, Any]:
    """The override document for ``gpus`` GPUs of one vendor (and ComfyUI on ``comfyui_gpus``)."""
    if gpus < 1:
        raise ConfigError("at least one GPU is needed")
    if vendor not in ("nvidia", "amd"):
        raise ConfigError(f"unknown GPU vendor {vendor!r}: nvidia or amd")
    services: dict[str, Any] = {service_name(i): ollama_service(i, vendor) for i in range(gpus)}
    # The pack and the one-shot `pull` service (profile "pull") see every GPU's Ollama.
    for name in ("pipelines", "pull"):
        services[name] = {
            "environment": {"ALPHAOMEGA_FLEET": fleet_setting(gpus, vram)},
            "depends_on": {service_name(i): {"condition": "service_healthy"} for i in range(gpus)},
        }
    comfy = list(comfyui_gpus)
    if any(i >= gpus for i in comfy):
        raise ConfigError(f"--comfyui-gpus names a GPU beyond the {gpus} there are")
    for i in comfy:
        services[comfyui_name(i)] = comfyui_service(i, vendor)
    if comfy:
        services["pipelines"]["environment"]["ALPHAOMEGA_COMFYUI"] = comfyui_setting(comfy)
        return {"services": services, "volumes": {"comfyui-models": {}, "comfyui-output": {}}}
    return {"services": services}


def render(
    gpus: int, vendor: Vendor, vram: Sequence[int] = (), comfyui_gpus: Sequence[int] = ()
) -> str:
    header = (
        f"# Written by `alphaomega compose --gpus {gpus} --vendor {vendor}`: one Ollama per GPU.\n"
        "# Use: docker compose -f docker-compose.yml -f docker/compose.gpus.yml up -d\n"
    )
    return header + yaml.safe_dump(override(gpus, vendor, vram, comfyui_gpus), sort_keys=False)


def count_gpus(vendor: Vendor) -> int:
    """GPUs on this host by the vendor's own tool (``nvidia-smi -L`` or ``rocm-smi``)."""
    command = ["nvidia-smi", "-L"] if vendor == "nvidia" else ["rocm-smi", "--showid"]
    if shutil.which(command[0]) is None:
        raise ConfigError(f"{command[0]} is not installed here: pass --gpus N instead of auto")
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=20, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        raise ConfigError(f"{' '.join(command)} failed: {exc}") from exc
    return parse_gpu_count(output.stdout, vendor)


def parse_gpu_count(text: str, vendor: Vendor) -> int:
    if vendor == "nvidia":
        count = len(re.findall(r"^GPU \d+:", text, flags=re.MULTILINE))
    else:
        count = len(set(re.findall(r"^GPU\[(\d+)\]", text, flags=re.MULTILINE)))
    if count == 0:
        raise ConfigError(f"no {vendor} GPU was listed; pass --gpus N")
    return count


VRAM_COMMANDS = {
    "nvidia": ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
    "amd": ["rocm-smi", "--showmeminfo", "vram"],
}


def gpu_vram(vendor: Vendor) -> list[int]:
    """Each GPU's memory in bytes by the vendor's tool; empty when it cannot say."""
    command = VRAM_COMMANDS[vendor]
    if shutil.which(command[0]) is None:
        return []
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=20, check=True)
    except (subprocess.SubprocessError, OSError):
        return []
    return parse_vram(output.stdout, vendor)


def parse_vram(text: str, vendor: Vendor) -> list[int]:
    """``nvidia-smi``'s MiB per line, or ``rocm-smi``'s ``VRAM Total Memory (B)`` per GPU."""
    if vendor == "nvidia":
        return [int(line.strip()) * 2**20 for line in text.splitlines() if line.strip().isdigit()]
    found = re.findall(r"^GPU\[(\d+)\].*VRAM Total Memory \(B\):\s*(\d+)", text, re.MULTILINE)
    return [int(size) for _, size in sorted(found, key=lambda item: int(item[0]))]
