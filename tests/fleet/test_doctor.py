"""``alphaomega doctor`` shows the fleet GPU by GPU: up or down, loaded models, in-flight."""

from click.testing import CliRunner

from alphaomega import runtime
from alphaomega.cli import main
from alphaomega.doctor import exit_status, probe_fleet, render_table
from alphaomega.fleet import Fleet, parse_fleet

from .fleet_sims import start_sims, warm


def test_doctor_reports_each_gpu():
    sims = start_sims([["alpha:7b=5GB", "beta:13b=8GB"], ["alpha:7b=5GB"]])
    try:
        warm(sims[0], "beta:13b")
        sims[1].stop()
        fleet = Fleet(
            parse_fleet(
                f"gpu0={sims[0].url};slots=4;vram=24GB, gpu1={sims[1].url},"
                f" vllm=openai+{sims[0].url}"
            )
        )
        fleet.instances[0].in_flight = 2  # what the pack's own traffic would show
        probes = runtime.call(probe_fleet(fleet))
        text = render_table(probes)
    finally:
        for sim in sims:
            sim.stop()
    gpu0, gpu1, vllm = probes
    assert (gpu0.up, gpu0.loaded, gpu0.models) == (True, ["beta:13b"], ["alpha:7b", "beta:13b"])
    assert gpu0.loaded_vram == {"beta:13b": 8 * 10**9}
    assert not gpu1.up and gpu1.error
    lines = text.splitlines()
    assert lines[0].startswith(f"gpu0  {sims[0].url}  [ollama]  up (")
    assert "in-flight 2/4  VRAM 8.0 GB / 24.0 GB" in lines[0]
    assert lines[1] == "    loaded: beta:13b (8.0 GB)"
    assert lines[2] == "    models: alpha:7b, beta:13b"
    assert lines[3].startswith(f"gpu1  {sims[1].url}  [ollama]  DOWN (")
    assert lines[4].startswith(f"vllm  {sims[0].url}  [openai]  up (")
    assert lines[4].endswith("in-flight 0/1")
    assert lines[5] == "    serves: alpha:7b, beta:13b"
    assert lines[-1] == "2/3 instance(s) up"
    assert exit_status(probes) == 1


def test_the_doctor_command_reads_the_fleet_setting(monkeypatch, pack):
    [sim] = start_sims([["alpha:7b=5GB"]])
    monkeypatch.setenv("ALPHAOMEGA_FLEET", f"gpu7={sim.url};slots=3")
    monkeypatch.delenv("ALPHAOMEGA_FLEET_FILE", raising=False)
    try:
        result = CliRunner().invoke(main, ["doctor"])
    finally:
        pack.close()
        sim.stop()
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"gpu7  {sim.url}  [ollama]  up (")
    assert "in-flight 0/3" in result.output
    assert "1/1 instance(s) up" in result.output
