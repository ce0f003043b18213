"""The compose files for 1, 3 and 8 GPUs of each vendor validate with docker-compose."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from alphaomega import compose
from alphaomega.cli import main
from alphaomega.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DOCKER_COMPOSE = shutil.which("docker-compose")


def validated(override_path: Path) -> dict:
    if DOCKER_COMPOSE is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose must be installed in CI")
        pytest.skip("docker-compose (Debian package) is not installed")
    env = {**os.environ, "WEBUI_SECRET_KEY": "test-only", "PIPELINES_API_KEY": "test-only"}
    result = subprocess.run(
        [
            DOCKER_COMPOSE,
            "-f",
            str(ROOT / "docker-compose.yml"),
            "-f",
            str(override_path),
            "config",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.mark.parametrize("vendor", ["nvidia", "amd"])
@pytest.mark.parametrize("gpus", [1, 3, 8])
def test_override_validates_and_pins_one_ollama_per_gpu(tmp_path, gpus, vendor):
    path = tmp_path / "compose.gpus.yml"
    result = CliRunner().invoke(
        main, ["compose", "--gpus", str(gpus), "--vendor", vendor, "--output", str(path)]
    )
    assert result.exit_code == 0, result.output
    merged = validated(path)
    services = merged["services"]
    ollamas = sorted(name for name in services if name.startswith("ollama-gpu"))
    assert ollamas == sorted(f"ollama-gpu{i}" for i in range(gpus))
    for i in range(gpus):
        service = services[f"ollama-gpu{i}"]
        if vendor == "nvidia":
            devices = service["deploy"]["resources"]["reservations"]["devices"]
            assert devices == [
                {"driver": "nvidia", "device_ids": [str(i)], "capabilities": ["gpu"]}
            ]
        else:
            assert service["image"].endswith(":rocm")
            assert set(service["devices"]) >= {"/dev/kfd:/dev/kfd", "/dev/dri:/dev/dri"} or set(
                service["devices"]
            ) >= {"/dev/kfd", "/dev/dri"}
            assert service["environment"]["ROCR_VISIBLE_DEVICES"] == str(i)
        assert service["environment"]["OLLAMA_KEEP_ALIVE"]
    fleet = services["pipelines"]["environment"]["ALPHAOMEGA_FLEET"]
    assert fleet == compose.fleet_setting(gpus).replace("${OLLAMA_NUM_PARALLEL:-4}", "4")
    from alphaomega.fleet import parse_fleet

    assert [i.slots for i in parse_fleet(fleet).instances] == [4] * gpus
    assert "ALPHAOMEGA_FLEET=gpu0=http://ollama-gpu0:11434" in result.output


def test_base_file_publishes_only_open_webui_and_has_no_default_secret(tmp_path):
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    published = {name for name, s in base["services"].items() if s.get("ports")}
    assert published == {"open-webui"}
    env = base["services"]["pipelines"]["environment"]
    assert ":?" in env["PIPELINES_API_KEY"]
    example = (ROOT / ".env.example").read_text()
    for line in example.splitlines():
        if line.startswith(("WEBUI_SECRET_KEY=", "PIPELINES_API_KEY=", "LANGFUSE_SECRET_KEY=")):
            assert line.split("=", 1)[1] == ""


def test_gpu_count_parsing():
    nvidia = "GPU 0: NVIDIA RTX 4090 (UUID: GPU-1)\nGPU 1: NVIDIA RTX 4090 (UUID: GPU-2)\n"
    assert compose.parse_gpu_count(nvidia, "nvidia") == 2
    amd = "GPU[0]\t\t: Device ID: 0x744c\nGPU[1]\t\t: Device ID: 0x744c\n"
    assert compose.parse_gpu_count(amd, "amd") == 2
    with pytest.raises(ConfigError):
        compose.parse_gpu_count("No devices were found", "nvidia")


@pytest.mark.parametrize("gpus", [1, 3])
def test_the_pull_profile_runs_alphaomega_pull_once_the_ollamas_are_healthy(tmp_path, gpus):
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    pull = base["pull"]
    assert pull["profiles"] == ["pull"]  # optional: a plain `docker compose up` leaves it out
    assert pull["restart"] == "no" and not pull.get("ports")
    assert pull["entrypoint"][:2] == ["alphaomega", "pull"] and "--plain" in pull["entrypoint"]
    assert pull["image"] == base["pipelines"]["image"]
    assert "pipelines-data:/app/data:ro" in pull["volumes"]  # the valves people stored
    path = tmp_path / "compose.gpus.yml"
    result = CliRunner().invoke(main, ["compose", "--gpus", str(gpus), "--output", str(path)])
    assert result.exit_code == 0, result.output
    merged = validated(path)["services"]
    healthy = {f"ollama-gpu{i}": {"condition": "service_healthy"} for i in range(gpus)}
    assert merged["pull"]["depends_on"] == healthy
    fleet = merged["pull"]["environment"]["ALPHAOMEGA_FLEET"]
    assert fleet == merged["pipelines"]["environment"]["ALPHAOMEGA_FLEET"]
    assert fleet.count("http://ollama-gpu") == gpus


def test_vram_parsing():
    assert compose.parse_vram("24564\n24564\n", "nvidia") == [24564 * 2**20] * 2
    rocm = (
        "============================ ROCm System Management Interface ======\n"
        "GPU[1]\t\t: VRAM Total Memory (B): 17163091968\n"
        "GPU[1]\t\t: VRAM Total Used Memory (B): 10854400\n"
        "GPU[0]\t\t: VRAM Total Memory (B): 25753026560\n"
    )
    assert compose.parse_vram(rocm, "amd") == [25753026560, 17163091968]
    assert compose.parse_vram("No devices were found", "nvidia") == []


FAKE_NVIDIA_SMI = """#!/bin/sh
case "$1" in
  -L) printf 'GPU 0: NVIDIA RTX 4090 (UUID: GPU-a)\\nGPU 1: NVIDIA RTX 4080 (UUID: GPU-b)\\n' ;;
  --query-gpu=memory.total) printf '24564\\n16376\\n' ;;
esac
"""


def test_auto_puts_each_gpus_memory_into_the_fleet(tmp_path, monkeypatch):
    tool = tmp_path / "bin" / "nvidia-smi"  # stands in for the driver's tool: its real output
    tool.parent.mkdir()
    tool.write_text(FAKE_NVIDIA_SMI)
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    path = tmp_path / "compose.gpus.yml"
    result = CliRunner().invoke(main, ["compose", "--gpus", "auto", "--output", str(path)])
    assert result.exit_code == 0, result.output
    merged = validated(path)["services"]
    from alphaomega.fleet import parse_fleet

    fleet = parse_fleet(merged["pipelines"]["environment"]["ALPHAOMEGA_FLEET"])
    assert [i.vram for i in fleet.instances] == [24564 * 2**20, 16376 * 2**20]
    assert ";vram=24564MiB" in result.output


@pytest.mark.parametrize("vendor", ["nvidia", "amd"])
def test_comfyui_gpus_add_a_comfyui_per_gpu_and_point_the_image_model_at_them(tmp_path, vendor):
    path = tmp_path / "compose.gpus.yml"
    args = ["compose", "--gpus", "4", "--vendor", vendor, "--output", str(path)]
    result = CliRunner().invoke(main, [*args, "--comfyui-gpus", "2,3"])
    assert result.exit_code == 0, result.output
    setting = "gpu2=http://comfyui-gpu2:8188,gpu3=http://comfyui-gpu3:8188"
    assert f"ALPHAOMEGA_COMFYUI={setting}" in result.output
    services = validated(path)["services"]
    assert sorted(n for n in services if n.startswith("comfyui")) == [
        "comfyui-gpu2",
        "comfyui-gpu3",
    ]
    assert services["pipelines"]["environment"]["ALPHAOMEGA_COMFYUI"] == setting
    comfy = services["comfyui-gpu3"]
    assert "yanwk/comfyui-boot" in comfy["image"]
    if vendor == "nvidia":
        assert comfy["deploy"]["resources"]["reservations"]["devices"][0]["device_ids"] == ["3"]
    else:
        assert comfy["environment"]["ROCR_VISIBLE_DEVICES"] == "3"
    assert "ports" not in comfy  # reachable from the pack only


def test_comfyui_gpus_must_exist():
    with pytest.raises(ConfigError, match="beyond"):
        compose.override(2, "nvidia", comfyui_gpus=[2])
    with pytest.raises(ConfigError, match="GPU indices"):
        compose.parse_gpu_list("gpu2")
