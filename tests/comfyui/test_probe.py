"""``alphaomega doctor``'s ComfyUI section: each instance up or down, its queue, VRAM, version."""

from click.testing import CliRunner

from alphaomega.cli import main
from alphaomega.testing import free_port
from alphaomega.testing.comfyui_sim import COMFYUI_VERSION, ComfySim


def test_doctor_shows_each_comfyui_and_fails_when_one_is_down(monkeypatch, pack, tmp_path):
    from tests.fleet.fleet_sims import start_sims

    [ollama] = start_sims([["alpha:7b=5GB"]])
    dead = f"http://127.0.0.1:{free_port()}"
    with ComfySim(time_scale=0.01, vram=24 * 10**9) as comfy:
        monkeypatch.setenv("ALPHAOMEGA_FLEET", ollama.url)
        monkeypatch.delenv("ALPHAOMEGA_FLEET_FILE", raising=False)
        monkeypatch.setenv("ALPHAOMEGA_COMFYUI", f"gpu2={comfy.url},gpu3={dead}")
        try:
            result = CliRunner().invoke(main, ["doctor"])
        finally:
            ollama.stop()
    lines = result.output.splitlines()
    start = lines.index("ComfyUI")
    assert lines[start + 1].startswith(f"gpu2  {comfy.url}  [comfyui]  up (")
    assert f"queue 0  version {COMFYUI_VERSION}" in lines[start + 1]
    assert lines[start + 2] == "    VRAM cuda:0 SimGPU: 24.0 GB free of 24.0 GB"
    assert lines[start + 3].startswith(f"gpu3  {dead}  [comfyui]  DOWN (")
    assert lines[-1] == "1/2 ComfyUI instance(s) up"
    assert result.exit_code == 1
