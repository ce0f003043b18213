"""The LLM path against test equipment that answers the OpenAI chat API with prepared code:
generators in parallel on the fleet, per-file checks refusing broken files, and the repair loop
fixing code whose tests fail."""

import asyncio

import pytest

from alphaomega.factory import FactoryOptions, LLMOptions, parse_files, run_workflow
from alphaomega.fleet import Fleet, parse_fleet
from alphaomega.testing.factory_coder import MARK, PreparedCoder
from alphaomega.testing.ollama_sim import OllamaSim

MODELS = ["qwen2.5-coder:7b", "llama3.1:8b"]
BOOKS = "a bookstore inventory API that tracks books and authors"


@pytest.fixture
def coder_fleet(pack):
    coder = PreparedCoder()
    sims = [
        OllamaSim(models=MODELS, num_parallel=2, time_scale=0.01, reply=coder) for _ in range(3)
    ]
    for sim in sims:
        sim.start()
    spec = ",".join(
        f"gpu{i}=openai+{sim.url};models={'|'.join(MODELS)}" for i, sim in enumerate(sims)
    )
    fleet = Fleet(parse_fleet(spec))
    try:
        yield coder, fleet, sims
    finally:
        fleet.close()
        for sim in sims:
            sim.stop()


def run(text, options, out, fleet, events=None):
    async def progress(stage, line, done):
        if events is not None:
            events.append(line)

    return asyncio.run(run_workflow(text, options, out, fleet=fleet, progress=progress))


def test_repair_loop_fixes_broken_code(coder_fleet, tmp_path):
    coder, fleet, sims = coder_fleet
    events: list[str] = []
    options = FactoryOptions(use_llm=True, repair_rounds=2)
    result = run(BOOKS, options, tmp_path / "p", fleet, events)
    report = result.report
    assert report.llm and report.passed, result.verification.output_tail
    # One round; the coder may be asked again when the fleet fails a request over.
    assert report.repair_rounds == 1 and coder.repairs >= 1
    assert any("repairing (round 1 of 2)" in e for e in events)
    assert any(e.startswith("Generating on 3 GPUs") for e in events)
    # The count operation the model added, fixed, with its test: both in the project.
    repository = (tmp_path / "p" / "app" / "repository.py").read_text()
    assert MARK in repository and "row[0] + 1" not in repository
    assert (tmp_path / "p" / "tests" / "test_book_count.py").exists()
    assert report.tests_passed >= 13  # the template's 12 and the model's count test
    # The per-file checks refused the draft's broken files; they never reached the project.
    reasons = {r.path: r.reason for r in result.rejected}
    assert "syntax error" in reasons["app/helpers.py"]
    assert "resolves nowhere" in reasons["app/extra.py"]
    assert not (tmp_path / "p" / "app" / "helpers.py").exists()
    # Generators asked at once went to more than one instance.
    assert sum(1 for sim in sims if sim.stats().served) >= 2
    assert set(coder.calls) >= {"backend", "qa", "docs", "infrastructure"}


def test_without_repair_rounds_the_failure_is_reported_and_templates_delivered(
    coder_fleet, tmp_path
):
    coder, fleet, _ = coder_fleet
    result = run(BOOKS, FactoryOptions(use_llm=True, repair_rounds=0), tmp_path / "p", fleet)
    assert coder.repairs == 0
    assert result.report.passed  # the template project, whose tests pass
    assert any("template project" in note for note in result.notes)
    assert MARK not in (tmp_path / "p" / "app" / "repository.py").read_text()


def test_code_that_stays_broken_ends_after_the_rounds(coder_fleet, tmp_path):
    coder, fleet, _ = coder_fleet
    coder.always_broken = True
    result = run(BOOKS, FactoryOptions(use_llm=True, repair_rounds=2), tmp_path / "p", fleet)
    assert coder.repairs >= 2 and result.report.repair_rounds == 2
    assert any("still failed" in note for note in result.notes)


def test_fleet_down_falls_back_to_templates(pack, tmp_path):
    fleet = Fleet(parse_fleet("http://127.0.0.1:9"))
    try:
        result = run(BOOKS, FactoryOptions(use_llm=True), tmp_path / "p", fleet)
    finally:
        fleet.close()
    assert result.report.passed and not result.report.llm
    assert any("could not write" in note for note in result.notes)


def test_parse_files_reads_fenced_blocks():
    reply = "Sure.\n\nFile: app/a.py\n```python\nx = 1\n```\n\nFile: `README.md`\n```\n# T\n```\n"
    files = parse_files(reply, "backend")
    assert [(f.path, f.content) for f in files] == [("app/a.py", "x = 1\n"), ("README.md", "# T\n")]


def test_models_per_generator():
    options = LLMOptions(docs_model="llama3.1:8b", backend_model="coder")
    assert options.model_for("docs") == "llama3.1:8b" and options.model_for("backend") == "coder"
