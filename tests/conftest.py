"""Shared fixtures: a Pack of a test's own, Ollama simulators and the real Pipelines server
booted with the pack."""

from __future__ import annotations

import pytest

from alphaomega.pack import Pack
from alphaomega.testing import PipelinesServer, free_port
from alphaomega.testing.ollama_sim import OllamaSim, model_from_spec

CODE_MODEL = "qwen2.5-coder:7b"
VISION_MODEL = "llava:34b"


@pytest.fixture(scope="module")
def sim():
    """One simulated GPU with a code and a vision model (codellama:13b deliberately absent)."""
    # At this time scale a token takes 5 ms of real time, so streams really stream.
    code = model_from_spec(CODE_MODEL).model_copy(update={"tokens_per_second": 2.0})
    models = [code, VISION_MODEL, "llama3.1:8b", "nomic-embed-text"]
    with OllamaSim(models=models, vram="48GB", num_parallel=4, time_scale=0.01) as instance:
        yield instance


@pytest.fixture
def pack():
    """A Pack of the test's own as the current one (fresh runtime, fleet, audit logs, tracers,
    memory services, classifier), closed after the test; the one before is put back."""
    own = Pack()
    previous = Pack.install(own)
    try:
        yield own
    finally:
        own.close()
        Pack.install(previous)


@pytest.fixture(autouse=True)
def _clean_sim_between_tests(request):
    yield
    if "sim" in request.fixturenames:
        instance = request.getfixturevalue("sim")
        instance.clear_faults()
        instance.set_reply(None)
        if not instance.running:
            instance.start()


@pytest.fixture(scope="module")
def server(sim, tmp_path_factory):
    """The real Pipelines server with every plugin of the pack, its fleet = the simulator."""
    data_dir = tmp_path_factory.mktemp("pipelines-data")
    env = {"ALPHAOMEGA_FLEET": sim.url}
    with PipelinesServer(data_dir, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def server_without_backend(tmp_path_factory):
    """The pack pointed at an Ollama URL where nothing listens."""
    data_dir = tmp_path_factory.mktemp("pipelines-nobackend")
    dead = f"http://127.0.0.1:{free_port()}"
    with PipelinesServer(data_dir, env={"ALPHAOMEGA_FLEET": dead}) as running:
        running.dead_url = dead
        yield running
