"""``alphaomega doctor`` shows the fleet GPU by GPU: up or down, loaded models, in-flight."""

from click.testing import CliRunner

from alphaomega import runtime
from alphaomega.cli import main
from alphaomega.doctor import (
    Probe,
    advice,
    exit_status,
    full_status,
    probe_fleet,
    render_advice,
    render_table,
)
from alphaomega.fleet import Fleet, parse_fleet
from alphaomega.provision import Use, Wanted

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


def test_the_doctor_command_reads_the_fleet_setting(monkeypatch, pack, tmp_path):
    [sim] = start_sims([["alpha:7b=5GB"]])
    monkeypatch.setenv("ALPHAOMEGA_FLEET", f"gpu7={sim.url};slots=3")
    monkeypatch.delenv("ALPHAOMEGA_FLEET_FILE", raising=False)
    try:
        result = CliRunner().invoke(main, ["doctor", "--data-dir", str(tmp_path)])
    finally:
        pack.close()
        sim.stop()
    # The instance answers, but has none of the models the plugins' valves name: exit 1.
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"gpu7  {sim.url}  [ollama]  up (")
    assert "in-flight 0/3" in result.output
    assert "1/1 instance(s) up" in result.output
    assert "0/7 model(s) the plugins' valves name are on the fleet" in result.output
    [llava] = [line for line in result.output.splitlines() if line.startswith("  - llava:34b (")]
    assert "auto_pipeline.vision_model" in llava and "vision_pipeline.models" in llava
    assert llava.endswith(") is on no instance: run `alphaomega pull`")


def wanted(name: str, plugin: str, valve: str, unused: str = "") -> Wanted:
    return Wanted(name, "code", [Use(plugin, valve)], unused)


def test_advice_names_each_problem_and_the_command_that_fixes_it():
    probes = [
        Probe("gpu0", "http://ollama-gpu0:11434", True, up=True, models=["qwen2.5-coder:7b"]),
        Probe("gpu1", "http://ollama-gpu1:11434", True, error="connection refused"),
        Probe("gpu2", "http://10.0.0.7:11434", True, error="no answer within 5 s"),
        Probe("gpu3", "http://10.0.0.8:11434", True, up=True, breaker="open"),
    ]
    items = [
        wanted("qwen2.5-coder:7b", "code_pipeline", "models"),
        wanted("nomic-embed-text:latest", "memory_filter", "embed_model"),
        wanted("llama3.2:3b", "memory_filter", "infer_model", unused="infer is off"),
    ]
    assert advice(probes, items) == [
        "gpu1 (http://ollama-gpu1:11434) does not answer (connection refused): start it with "
        "`docker compose up -d ollama-gpu1`, or correct ALPHAOMEGA_FLEET; then `alphaomega doctor`",
        "gpu2 (http://10.0.0.7:11434) does not answer (no answer within 5 s): start it with "
        "`ollama serve` there (or its container), or correct ALPHAOMEGA_FLEET; then "
        "`alphaomega doctor`",
        "gpu3 (http://10.0.0.8:11434) failed requests lately (breaker open): chats avoid it for a "
        "while; read its log (`docker compose logs` of its service)",
        "nomic-embed-text:latest (memory_filter.embed_model) is on no instance that answers: "
        "run `alphaomega pull`",
    ]
    text = render_advice(probes, items)
    assert text.splitlines()[:2] == [
        "1/2 model(s) the plugins' valves name are on the fleet",
        "What to do:",
    ]
    assert full_status(probes, items) == 1


def test_nothing_to_do_when_everything_is_in_place():
    probes = [Probe("gpu0", "http://h:11434", True, up=True, models=["nomic-embed-text:latest"])]
    items = [wanted("nomic-embed-text", "memory_filter", "embed_model")]
    items[0].name = "nomic-embed-text:latest"
    assert advice(probes, items) == []
    assert render_advice(probes, items).splitlines() == [
        "1/1 model(s) the plugins' valves name are on the fleet",
        "Nothing to do: every instance answers and has what the valves name.",
    ]
    assert full_status(probes, items) == 0


def test_with_every_instance_down_only_the_instances_are_advised_on():
    probes = [Probe("gpu0", "http://ollama-gpu0:11434", True, error="connection refused")]
    items = [wanted("llava:34b", "vision_pipeline", "models")]
    assert advice(probes, items) == [
        "gpu0 (http://ollama-gpu0:11434) does not answer (connection refused): start it with "
        "`docker compose up -d ollama-gpu0`, or correct ALPHAOMEGA_FLEET; then `alphaomega doctor`",
        "the models the valves name are checked once an instance answers",
    ]
    assert render_advice(probes, items).splitlines()[0] == "What to do:"
    assert full_status(probes, items) == 1
