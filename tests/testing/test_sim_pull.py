"""The simulator's ``/api/pull`` streams what Ollama streams (server/images.go PullModel,
server/download.go), fails on demand, and the pulled model is then listed and served."""

from __future__ import annotations

import json

import httpx
import pytest

from alphaomega.testing.ollama_sim import OllamaSim


@pytest.fixture
def empty_sim():
    with OllamaSim(models=["nomic-embed-text"], vram="24GB", time_scale=0.02) as sim:
        sim.pulls.remove("nomic-embed-text")
        yield sim


def pull_lines(sim: OllamaSim, body: dict) -> tuple[int, list[dict]]:
    with httpx.stream("POST", sim.url + "/api/pull", json=body, timeout=60) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line.strip()]
        assert response.headers["content-type"] == "application/x-ndjson"
        return response.status_code, lines


def test_a_pull_streams_manifest_layers_verify_write_success(empty_sim):
    status, lines = pull_lines(empty_sim, {"model": "qwen2.5-coder:7b"})
    assert status == 200
    assert lines[0] == {"status": "pulling manifest"}
    assert [line["status"] for line in lines[-3:]] == [
        "verifying sha256 digest",
        "writing manifest",
        "success",
    ]
    layers = [line for line in lines if "digest" in line]
    digests = list(dict.fromkeys(line["digest"] for line in layers))
    assert len(digests) == 5  # weights, template, license, params, config
    for line in layers:
        assert line["status"] == f"pulling {line['digest'][7:19]}"
        assert line["digest"].startswith("sha256:") and len(line["digest"]) == 71
    weights = [line for line in layers if line["digest"] == digests[0]]
    assert "completed" not in weights[0]  # Go's omitempty while nothing has arrived
    done = [line.get("completed", 0) for line in weights]
    assert done == sorted(done) and done[-1] == weights[-1]["total"]
    assert len(weights) > 5  # progress in steps, not one jump
    total = sum(next(line["total"] for line in layers if line["digest"] == d) for d in digests)
    assert total == 4_683_087_332  # the library's size of the model
    tags = httpx.get(empty_sim.url + "/api/tags").json()["models"]
    assert [tag["name"] for tag in tags] == ["qwen2.5-coder:7b"]
    chat = httpx.post(
        empty_sim.url + "/api/chat",
        json={"model": "qwen2.5-coder:7b", "messages": [{"role": "user", "content": "hi"}]},
        timeout=60,
    )
    assert chat.status_code == 200


def test_an_unknown_model_fails_after_the_manifest_line(empty_sim):
    status, lines = pull_lines(empty_sim, {"model": "no-such-model"})
    assert status == 200  # gin had written the first line already
    assert lines == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]


def test_a_failure_on_demand_breaks_the_stream_at_its_point(empty_sim):
    empty_sim.pulls.fail("llava:34b", at=0.5, count=1)
    _, lines = pull_lines(empty_sim, {"model": "llava:34b"})
    assert lines[-1] == {"error": "max retries exceeded: unexpected EOF"}
    last = lines[-2]
    assert 0.5 * 20_166_497_526 <= last["completed"] < 0.7 * 20_166_497_526
    assert "llava:34b" not in [m.name for m in empty_sim.models]
    _, again = pull_lines(empty_sim, {"model": "llava:34b"})  # count=1: the next one works
    assert again[-1] == {"status": "success"}


def test_the_simulator_faults_apply_to_pull_too(empty_sim):
    empty_sim.fault("error_500", count=1, paths=["/api/pull"])
    response = httpx.post(empty_sim.url + "/api/pull", json={"model": "llama3.1:8b"})
    assert response.status_code == 500
    assert response.json() == {"error": "llama runner process has terminated: exit status 2"}


def test_not_streamed_bad_names_and_sized_names(empty_sim):
    response = httpx.post(
        empty_sim.url + "/api/pull", json={"model": "phi3:14b", "stream": False}, timeout=60
    )
    assert response.json() == {"status": "success"}
    listed = {t["name"]: t["size"] for t in httpx.get(empty_sim.url + "/api/tags").json()["models"]}
    assert listed == {"phi3:14b": int(14 * 0.6 * 10**9)}
    bad = httpx.post(empty_sim.url + "/api/pull", json={"model": ""})
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid model name"})
