"""AlphaOmega · Factory through the real Pipelines server, calling a real factory host whose
fleet is a simulator answering the OpenAI chat API with prepared code (broken first)."""

import io
import zipfile

import httpx
import pytest

from alphaomega.testing import PipelinesServer, free_port, streamed_text
from alphaomega.testing.factory_coder import PreparedCoder
from alphaomega.testing.factory_host import FactoryHostProcess
from alphaomega.testing.ollama_sim import OllamaSim

MODEL = "alphaomega_factory.factory"
TOKEN = "factory-pipeline-test-token"
BOOKS = [{"role": "user", "content": "a bookstore inventory API that tracks books and authors"}]


@pytest.fixture(scope="module")
def coder_sim():
    with OllamaSim(
        models=["qwen2.5-coder:7b", "llama3.1:8b"], time_scale=0.01, reply=PreparedCoder()
    ) as sim:
        yield sim


@pytest.fixture(scope="module")
def factory_host(coder_sim, tmp_path_factory):
    env = {"ALPHAOMEGA_FLEET": f"openai+{coder_sim.url};models=qwen2.5-coder:7b|llama3.1:8b"}
    with FactoryHostProcess(tmp_path_factory.mktemp("host"), token=TOKEN, env=env) as host:
        yield host


@pytest.fixture(scope="module")
def factory_server(factory_host, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("pipelines-factory")
    env = {"ALPHAOMEGA_FACTORY_TOKEN": TOKEN, "ALPHAOMEGA_FLEET": "http://127.0.0.1:9"}
    with PipelinesServer(data_dir, env=env) as server:
        set_valves(server, host_url=factory_host.url)
        yield server


def set_valves(server, **changes):
    valves = server.client.get("/alphaomega_factory/valves").json()
    answer = server.client.post("/alphaomega_factory/valves/update", json={**valves, **changes})
    assert answer.status_code == 200, answer.text


def statuses(payloads):
    return [
        p["event"]["data"]["description"]
        for p in payloads
        if isinstance(p, dict) and p.get("event", {}).get("type") == "status"
    ]


def test_model_is_listed(factory_server):
    names = {m["id"]: m["name"] for m in factory_server.models()}
    assert names[MODEL] == "AlphaOmega · Factory"


def test_streamed_build_shows_stages_tree_files_tests_and_download(factory_server, factory_host):
    payloads = factory_server.stream(MODEL, BOOKS)
    shown = statuses(payloads)
    assert any(s.startswith("Intent: REST API for book, author") for s in shown)
    assert "Architecture: layered, 12 files" in shown
    assert any(s.startswith("Generating on 1 GPU") for s in shown)
    assert any("repairing (round 1 of 2)" in s for s in shown)  # the coder's first try fails
    assert any(s.startswith("Tests: 13 passed") for s in shown)
    text = streamed_text(payloads)
    assert "Tests: 13 passed, 0 failed" in text and "✅" in text
    assert "```text\nDockerfile\nREADME.md\napp/\n  __init__.py" in text
    assert "**app/main.py**\n```python" in text and "def create_book" in text
    link = text.split("📦 **Download:** [", 1)[1]
    name, url = link.split("](", 1)[0], link.split("](", 1)[1].split(")", 1)[0]
    assert name.endswith(".zip") and url.startswith(factory_host.url)
    assert TOKEN not in url
    archive = httpx.get(url)  # what the person's browser does: no token, the signed link
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert any(n.endswith("tests/test_book_count.py") for n in names)


def test_non_streamed_chat_gets_the_whole_answer(factory_server):
    set_valves(factory_server, use_llm=False)
    try:
        text = factory_server.chat(MODEL, [{"role": "user", "content": "a CLI to track expenses"}])
    finally:
        set_valves(factory_server, use_llm=True)
    content = text["choices"][0]["message"]["content"]
    assert "**command-line tool** for expense" in content and "**app/cli.py**" in content


def test_request_with_nothing_to_build_is_answered(factory_server):
    text = streamed_text(factory_server.stream(MODEL, [{"role": "user", "content": "hello"}]))
    assert "Tell me what kind of app to build" in text


def test_factory_host_down_is_a_readable_answer(factory_server, factory_host):
    dead = f"http://127.0.0.1:{free_port()}"
    set_valves(factory_server, host_url=dead)
    try:
        text = streamed_text(factory_server.stream(MODEL, BOOKS))
    finally:
        set_valves(factory_server, host_url=factory_host.url)
    assert f"The factory host at {dead} is not reachable" in text
    assert "alphaomega factory-host" in text
