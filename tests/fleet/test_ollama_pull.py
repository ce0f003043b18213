"""``OllamaClient.pull`` over HTTP: the progress lines typed, and every way a pull ends badly
translated into the pack's errors."""

from __future__ import annotations

import pytest

from alphaomega import runtime
from alphaomega.errors import BackendStatusError, BackendUnavailable, PullFailed, StreamInterrupted
from alphaomega.fleet import OllamaClient
from alphaomega.testing import free_port
from alphaomega.testing.ollama_sim import OllamaSim


@pytest.fixture
def puller():
    with OllamaSim(models=["nomic-embed-text"], time_scale=0.01) as instance:
        yield instance


async def _collect(client: OllamaClient, model: str) -> list:
    return [line async for line in client.pull(model)]


def collect(client: OllamaClient, model: str) -> list:
    return runtime.call(_collect(client, model), timeout=60)


def test_progress_lines_are_typed_and_end_with_success(puller, pack):
    lines = collect(OllamaClient(puller.url), "llama3.2:3b")
    assert lines[0].status == "pulling manifest" and lines[-1].status == "success"
    layers = [line for line in lines if line.digest]
    assert all(line.total > 0 for line in layers)
    assert layers[0].completed == 0 and layers[-1].completed == layers[-1].total


def test_an_error_line_is_a_pull_failed_with_ollamas_text(puller, pack):
    with pytest.raises(PullFailed) as caught:
        collect(OllamaClient(puller.url), "no-such-model")
    assert caught.value.args[0] == "pull model manifest: file does not exist"
    assert caught.value.user_message() == (
        f"Pulling no-such-model on {puller.url} failed: pull model manifest: file does not exist"
    )


def test_an_http_error_a_cut_and_a_dead_instance(puller, pack):
    puller.fault("error_500", count=1, paths=["/api/pull"])
    with pytest.raises(BackendStatusError) as caught:
        collect(OllamaClient(puller.url), "llama3.2:3b")
    assert caught.value.status == 500
    puller.fault("cut_mid_stream", count=1, paths=["/api/pull"])
    with pytest.raises(StreamInterrupted):
        collect(OllamaClient(puller.url), "llama3.2:3b")
    with pytest.raises(BackendUnavailable):
        collect(OllamaClient(f"http://127.0.0.1:{free_port()}"), "llama3.2:3b")
