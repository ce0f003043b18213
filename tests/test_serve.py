import json
import os
import stat

import httpx
import pytest

from alphaomega import serve
from alphaomega.errors import ConfigError


def test_key_is_generated_once_kept_private_and_reused(tmp_path):
    key = serve.api_key(tmp_path, environ={})
    assert key.startswith("ao-") and len(key) > 30
    assert key != serve.WELL_KNOWN_DEFAULT_KEY
    mode = stat.S_IMODE(os.stat(tmp_path / serve.KEY_FILE).st_mode)
    assert mode == 0o600
    assert serve.api_key(tmp_path, environ={}) == key


def test_env_key_wins_and_the_published_default_is_refused(tmp_path):
    assert serve.api_key(tmp_path, environ={"PIPELINES_API_KEY": "mine"}) == "mine"
    with pytest.raises(ConfigError):
        serve.api_key(tmp_path, environ={"PIPELINES_API_KEY": "0p3n-w3bu!"})


def test_sync_copies_plugins_keeps_valves_and_removes_what_the_pack_dropped(tmp_path):
    root = tmp_path / "pack"
    (root / "pipelines").mkdir(parents=True)
    (root / "filters").mkdir()
    (root / "pipelines" / "a_pipeline.py").write_text("# v1")
    (root / "filters" / "b_filter.py").write_text("# b")
    target = tmp_path / "data" / "pipelines"
    assert serve.sync_plugins(root, target) == ["a_pipeline.py", "b_filter.py"]

    (target / "a_pipeline").mkdir()
    (target / "a_pipeline" / "valves.json").write_text('{"system_prompt": "kept"}')
    (target / "uploaded_by_hand.py").write_text("# theirs")
    (root / "pipelines" / "a_pipeline.py").write_text("# v2")
    (root / "filters" / "b_filter.py").unlink()

    assert serve.sync_plugins(root, target) == ["a_pipeline.py"]
    assert (target / "a_pipeline.py").read_text() == "# v2"
    assert (target / "a_pipeline" / "valves.json").read_text() == '{"system_prompt": "kept"}'
    assert not (target / "b_filter.py").exists()
    assert (target / "uploaded_by_hand.py").exists()


def test_the_server_package_is_found():
    assert (serve.server_dir() / "main.py").is_file()


def test_banner_says_where_it_starts_and_never_shows_the_key(tmp_path):
    # How to connect Open WebUI comes once the plugins have loaded: tests/provision/test_startup
    settings = serve.ServeSettings(tmp_path, "0.0.0.0", 9099, "ao-secret-key", tmp_path)
    text = serve.banner(settings)
    assert "http://127.0.0.1:9099" in text and "ao-secret-key" not in text


# -- the running server: the door, a plugin that fails to start, chat text kept out of the log --

FAILS_TO_START = """
class Pipeline:
    def __init__(self):
        self.name = "Fails to start"

    async def on_startup(self):
        raise RuntimeError("its database is unreachable")

    def pipe(self, user_message, model_id, messages, body):
        return "never served"
"""
# Valves an earlier version accepted and this one refuses: the server must still start.
STORED_BEFORE_THE_ALLOW_LIST = {"secret_key": "env:PIPELINES_API_KEY", "sample_rate": 0.25}
SENTENCE = "The heron counts seventeen lanterns above the quiet harbour."


@pytest.fixture(scope="module")
def served(sim, tmp_path_factory):
    from alphaomega.testing.pipelines_server import PipelinesServer

    data_dir = tmp_path_factory.mktemp("served")
    (data_dir / "pipelines").mkdir()
    (data_dir / "pipelines" / "fails_to_start.py").write_text(FAILS_TO_START)
    (data_dir / "pipelines" / "langfuse_filter").mkdir()
    (data_dir / "pipelines" / "langfuse_filter" / "valves.json").write_text(
        json.dumps(STORED_BEFORE_THE_ALLOW_LIST)
    )
    env = {"ALPHAOMEGA_FLEET": sim.url, "GLOBAL_LOG_LEVEL": "INFO", "ALPHAOMEGA_LOG_LEVEL": "info"}
    with PipelinesServer(data_dir, env=env, log_level="INFO") as running:
        yield running


@pytest.fixture
def bare(served):
    with httpx.Client(base_url=served.url, timeout=30) as client:
        yield client


def test_without_the_key_no_valve_of_the_pack_changes(served, bare):
    changes = {
        "alphaomega_langfuse": {"host": "http://collector.attacker.test"},
        "alphaomega_memory": {"ollama_url": "http://embedder.attacker.test"},
        "alphaomega_safety": {"check_injection": False},
    }
    for plugin_id, change in changes.items():
        before = served.client.get(f"/{plugin_id}/valves").json()
        refused = bare.post(f"/{plugin_id}/valves/update", json={**before, **change})
        assert refused.status_code == 401, plugin_id
        assert refused.headers["www-authenticate"] == "Bearer"
        assert served.client.get(f"/{plugin_id}/valves").json() == before


def test_without_the_key_nobody_reads_or_forgets_anyones_memories(served, bare):
    for command in ("/memories", "/forget all"):
        call = {
            "body": {
                "model": "alphaomega_code.qwen2.5-coder:7b",
                "messages": [{"role": "user", "content": command}],
            },
            "user": {"id": "someone-else", "name": "Someone"},
        }
        for prefix in ("", "/v1"):
            answer = bare.post(f"{prefix}/alphaomega_memory/filter/inlet", json=call)
            assert answer.status_code == 401


def test_without_the_key_no_chat_valves_spec_or_docs_answer(served, bare):
    chat = {
        "model": "alphaomega_code.qwen2.5-coder:7b",
        "messages": [{"role": "user", "content": "hi"}],
    }
    for stream in (True, False):
        for path in ("/v1/chat/completions", "/chat/completions"):
            assert bare.post(path, json={**chat, "stream": stream}).status_code == 401
    for path in (
        "/alphaomega_code/valves",
        "/v1/alphaomega_code/valves/spec",
        "/v1/models",
        "/models",
        "/docs",
        "/openapi.json",
        "/pipelines",
    ):
        assert bare.get(path).status_code == 401, path
    assert bare.post("/alphaomega_routing/filter/outlet", json={"body": {}}).status_code == 401
    assert bare.get("/").status_code == 200
    assert "refused POST /alphaomega_routing/filter/outlet" in served.log()


def test_an_upload_cannot_write_outside_the_plugin_folder(served, tmp_path):
    outside = tmp_path / "outside.py"
    names = ["../../evil_upload.py", str(outside), "..\\evil_upload.py", "evil_upload.txt"]
    for name in names:
        files = {"file": (name, b"raise SystemExit('written outside')\n", "text/x-python")}
        answer = served.client.post("/pipelines/upload", files=files)
        assert answer.status_code == 400, name
    assert not outside.exists()
    assert not (served.data_dir.parent / "evil_upload.py").exists()
    assert not list(served.data_dir.rglob("evil_upload*"))


def test_a_plugin_whose_startup_raises_is_set_aside_and_the_rest_serve(served):
    pipelines = served.data_dir / "pipelines"
    assert not (pipelines / "fails_to_start.py").exists()
    assert (pipelines / "failed" / "fails_to_start.py").exists()
    listed = {entry["id"] for entry in served.client.get("/pipelines").json()["data"]}
    assert "fails_to_start" not in listed and "alphaomega_code" in listed
    assert "fails_to_start.py failed to start (RuntimeError: its database is unreachable)" in (
        served.log()
    )


def test_chat_text_stays_out_of_the_log_at_info(served, sim):
    sim.queue_replies(SENTENCE)
    asked = "Tell me about the seventeen lanterns of the quiet harbour, please."
    reply = served.chat("alphaomega_code.qwen2.5-coder:7b", [{"role": "user", "content": asked}])
    assert reply["choices"][0]["message"]["content"] == SENTENCE
    log = served.log()
    assert "INFO alphaomega.serve: plugins in" in log  # the log is kept at INFO
    assert SENTENCE not in log and asked not in log


def test_a_keyed_valves_update_passes_the_valve_guard_first(served):
    before = served.client.get("/alphaomega_langfuse/valves").json()
    stolen = {**before, "secret_key": "env:PIPELINES_API_KEY"}
    refused = served.client.post("/v1/alphaomega_langfuse/valves/update", json=stolen)
    assert refused.status_code == 400 and refused.json()["detail"]
    assert served.client.get("/alphaomega_langfuse/valves").json() == before

    memory = served.client.get("/alphaomega_memory/valves").json()
    moved = {**memory, "ollama_url": "http://embedder.example.net:11434"}
    assert served.client.post("/alphaomega_memory/valves/update", json=moved).status_code == 200
    assert "http://embedder.example.net:11434" in served.log()  # the change is logged


def test_stored_valves_now_refused_go_back_to_defaults_and_the_plugin_loads(served):
    valves = served.client.get("/alphaomega_langfuse/valves")
    assert valves.status_code == 200
    assert valves.json()["secret_key"] in (None, "")
    assert valves.json()["sample_rate"] == 0.25  # what is still accepted is kept
    stored = served.data_dir / "pipelines" / "langfuse_filter" / "valves.json"
    assert "PIPELINES_API_KEY" not in stored.read_text()
    assert "langfuse_filter: stored valves secret_key are no longer accepted" in served.log()


def test_serve_tunes_the_interpreter_once_and_settling_needs_it(monkeypatch, tmp_path):
    import sys

    import uvicorn

    from alphaomega import runtime

    monkeypatch.setattr(runtime, "_interpreter_tuned", False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    # The server is made, not run: it would listen until stopped.
    not_run = type("NotRun", (), {"run": lambda self: None})()
    monkeypatch.setattr(serve, "_announcing_server", lambda config, on_ready: not_run)
    monkeypatch.setattr(serve, "guarded_app", lambda key: object())
    for name in ("PIPELINES_DIR", "PIPELINES_API_KEY", "ALPHAOMEGA_DATA_DIR", "GLOBAL_LOG_LEVEL"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        settings = serve.ServeSettings(tmp_path, "127.0.0.1", 0, "k", tmp_path / "pipelines")
        serve.run(settings)
        assert sys.getswitchinterval() <= runtime.SWITCH_INTERVAL_S
        assert runtime._interpreter_tuned
    finally:
        sys.setswitchinterval(before)
