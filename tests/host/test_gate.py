"""The front door: the key on every route (or on the pack's routes in a stock server), upload
names that stay in the plugin folder, and the valve guard's say on an update."""

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
import weakref
from types import SimpleNamespace

import httpx
import pytest

from alphaomega import serve, valve_guard
from alphaomega.host import FrontDoor
from alphaomega.testing.pipelines_server import free_port

KEY = "door-key-not-secret"
AUTH = [(b"authorization", f"Bearer {KEY}".encode())]


class Inner:
    """The app behind the door: records what reached it and answers 200."""

    def __init__(self):
        self.seen = []

    async def __call__(self, scope, receive, send):
        body = b""
        more = scope["type"] == "http"
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.seen.append((scope["type"], scope.get("path"), body))
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"inner"})


def call(door, method, path, headers=(), body=b"", kind="http"):
    sent = []
    chunks = [body[:5], body[5:]] if len(body) > 5 else [body]

    async def receive():
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": kind, "method": method, "path": path, "headers": list(headers)}
    asyncio.run(door(scope, receive, send))
    if kind != "http":
        return sent
    start = next(m for m in sent if m["type"] == "http.response.start")
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/alphaomega_langfuse/valves/update"),
        ("POST", "/alphaomega_memory/valves/update"),
        ("POST", "/alphaomega_safety/valves/update"),
        ("POST", "/alphaomega_memory/filter/inlet"),
        ("POST", "/v1/alphaomega_memory/filter/outlet"),
        ("POST", "/v1/chat/completions"),
        ("POST", "/chat/completions"),
        ("GET", "/someone_elses/valves"),
        ("GET", "/v1/someone_elses/valves/spec"),
        ("GET", "/v1/models"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
        ("POST", "/pipelines/upload"),
        ("GET", "/v1"),
    ],
)
def test_every_route_but_health_needs_the_key(method, path):
    inner = Inner()
    door = FrontDoor(inner, KEY)
    for headers in ([], [(b"authorization", b"Bearer wrong")], [(b"authorization", KEY.encode())]):
        status, head, text = call(door, method, path, headers, b"{}")
        assert status == 401
        assert head[b"www-authenticate"] == b"Bearer"
        refusal = json.loads(text)
        assert refusal["detail"] == "a valid API key is required"
        assert refusal["error"]["message"] == "a valid API key is required"
        assert refusal["error"]["code"] == "invalid_api_key"
    assert inner.seen == []


def test_the_key_passes_in_any_case_of_the_scheme_and_health_needs_none():
    inner = Inner()
    door = FrontDoor(inner, KEY)
    assert call(door, "GET", "/")[0] == 200
    assert call(door, "GET", "/v1/models", [(b"authorization", f"bearer {KEY}".encode())])[0] == 200
    assert call(door, "POST", "/alphaomega_memory/filter/inlet", AUTH, b'{"body": {}}')[0] == 200
    assert inner.seen[-1] == ("http", "/alphaomega_memory/filter/inlet", b'{"body": {}}')


def test_a_server_without_a_key_lets_nobody_in():
    door = FrontDoor(Inner(), "")
    assert call(door, "GET", "/v1/models", [(b"authorization", b"Bearer ")])[0] == 401


def test_lifespan_passes_and_a_websocket_without_the_key_is_closed():
    inner = Inner()
    door = FrontDoor(inner, KEY)
    asyncio.run(door({"type": "lifespan"}, None, None))
    assert inner.seen == [("lifespan", None, b"")]
    sent = call(door, "GET", "/ws", kind="websocket")
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_refusals_are_logged_by_method_and_path_only(caplog):
    door = FrontDoor(Inner(), KEY)
    with caplog.at_level(logging.WARNING, logger="alphaomega.host._gate"):
        call(door, "POST", "/v1/chat/completions", [], b'{"messages": "a private sentence"}')
    assert "refused POST /v1/chat/completions" in caplog.text
    assert "private sentence" not in caplog.text


def multipart(filename, content=b"print('hi')\n", boundary="b0undary"):
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/x-python\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())], body


@pytest.mark.parametrize(
    "name",
    [
        "../../evil.py",
        "/abs/path.py",
        "..\\evil.py",
        "sub/evil.py",
        "C:evil.py",
        "evil.txt",
        "",
        ".py",
        "..py",
        ".hidden.py",
    ],
)
def test_an_upload_named_outside_the_plugin_folder_is_refused(name):
    inner = Inner()
    headers, body = multipart(name)
    status, _, text = call(
        FrontDoor(inner, KEY), "POST", "/v1/pipelines/upload", AUTH + headers, body
    )
    assert status == 400 and json.loads(text)["detail"]
    assert inner.seen == []


def test_a_plain_upload_reaches_the_route_with_its_body_whole():
    inner = Inner()
    headers, body = multipart("my_plugin.py")
    status, _, _ = call(FrontDoor(inner, KEY), "POST", "/pipelines/upload", AUTH + headers, body)
    assert status == 200
    assert inner.seen == [("http", "/pipelines/upload", body)]


def test_an_upload_that_is_not_multipart_is_refused():
    inner = Inner()
    headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    status, _, _ = call(
        FrontDoor(inner, KEY), "POST", "/pipelines/upload", AUTH + headers, b"file=../x.py"
    )
    assert status == 400 and inner.seen == []


class Valves(SimpleNamespace):
    pass


class Plugin:
    """A loaded plugin, as the pack's weak set of its plugins holds them."""


def test_a_valves_update_goes_through_the_valve_guard(monkeypatch, caplog):
    plugin = SimpleNamespace(valves=Valves(host="https://cloud.example"))
    server = SimpleNamespace(plugin=lambda plugin_id: plugin if plugin_id == "p" else None)
    calls = []

    def check(plugin_id, current, update):
        calls.append((plugin_id, current, update))
        refusal = "re-enter the secret" if update.get("host") == "http://elsewhere" else None
        return valve_guard.ValvesVerdict(warnings=["host changed"], refusal=refusal)

    monkeypatch.setattr(valve_guard, "check_valves_update", check)
    inner = Inner()
    door = FrontDoor(inner, KEY, server=lambda: server)
    with caplog.at_level(logging.WARNING, logger="alphaomega.host._gate"):
        status, _, text = call(
            door, "POST", "/p/valves/update", AUTH, b'{"host": "http://elsewhere"}'
        )
    assert status == 400 and json.loads(text) == {"detail": "re-enter the secret"}
    assert calls == [("p", plugin.valves, {"host": "http://elsewhere"})]
    assert "host changed" in caplog.text and inner.seen == []

    body = b'{"host": "https://cloud.example"}'
    assert call(door, "POST", "/v1/p/valves/update", AUTH, body)[0] == 200
    assert inner.seen == [("http", "/v1/p/valves/update", body)]


def test_in_a_stock_server_only_the_pack_routes_need_the_key():
    ours, theirs = Plugin(), Plugin()
    plugins = {"alphaomega_code": ours, "other": theirs}
    server = SimpleNamespace(plugin=plugins.get)
    pack = weakref.WeakSet([ours])
    inner = Inner()
    door = FrontDoor(inner, KEY, pack=pack, server=lambda: server)
    chat = json.dumps({"model": "alphaomega_code.qwen", "messages": []}).encode()
    assert call(door, "POST", "/v1/chat/completions", [], chat)[0] == 401
    assert call(door, "GET", "/alphaomega_code/valves")[0] == 401
    assert call(door, "POST", "/v1/alphaomega_code/filter/inlet", [], b"{}")[0] == 401
    assert inner.seen == []
    other = json.dumps({"model": "other", "messages": []}).encode()
    assert call(door, "POST", "/chat/completions", [], other)[0] == 200
    assert call(door, "GET", "/other/valves")[0] == 200
    assert call(door, "POST", "/v1/chat/completions", AUTH, chat)[0] == 200
    assert inner.seen[0] == ("http", "/chat/completions", other)
    assert inner.seen[-1] == ("http", "/v1/chat/completions", chat)


# -- a stock Pipelines server (uvicorn main:app) with the pack's plugins in its folder ----------

OTHER_PLUGIN = """
from pydantic import BaseModel


class Pipeline:
    class Valves(BaseModel):
        greeting: str = "hello"

    def __init__(self):
        self.name = "Not the pack's"
        self.valves = self.Valves()

    def pipe(self, user_message, model_id, messages, body):
        return self.valves.greeting
"""


@pytest.fixture(scope="module", params=["1", "0"], ids=["native", "native-off"])
def stock_server(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("stock")
    plugins = data_dir / "pipelines"
    serve.sync_plugins(serve.pack_root(), plugins)
    (plugins / "other_plugin.py").write_text(OTHER_PLUGIN)
    port = free_port()
    log_path = data_dir / "server.log"
    env = {
        **os.environ,
        "PIPELINES_DIR": str(plugins),
        "PIPELINES_API_KEY": KEY,
        "ALPHAOMEGA_DATA_DIR": str(data_dir),
        "ALPHAOMEGA_FLEET": f"http://127.0.0.1:{free_port()}",
        "ALPHAOMEGA_NATIVE": request.param,
        "GLOBAL_LOG_LEVEL": "WARNING",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "main:app",
                "--app-dir",
                str(serve.server_dir()),
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield SimpleNamespace(url=url, log=log_path)
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_stock_server_asks_the_key_for_the_pack_and_says_the_rest_does_not(stock_server):
    with httpx.Client(base_url=stock_server.url, timeout=30) as bare:
        for path in ("/alphaomega_safety/valves", "/v1/alphaomega_langfuse/valves/spec"):
            assert bare.get(path).status_code == 401
        update = bare.post("/alphaomega_safety/valves/update", json={"check_injection": False})
        assert update.status_code == 401
        inlet = {
            "body": {"messages": [{"role": "user", "content": "/memories"}]},
            "user": {"id": "someone-else"},
        }
        assert bare.post("/alphaomega_memory/filter/inlet", json=inlet).status_code == 401
        chat = {
            "model": "alphaomega_code.qwen2.5-coder:7b",
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        }
        assert bare.post("/v1/chat/completions", json=chat).status_code == 401

        assert bare.get("/other_plugin/valves").json() == {"greeting": "hello"}
        theirs = {
            "model": "other_plugin",
            "stream": False,
            "messages": [{"role": "user", "content": "hi"}],
        }
        assert bare.post("/v1/chat/completions", json=theirs).status_code == 200

        keyed = bare.get("/alphaomega_safety/valves", headers={"Authorization": f"Bearer {KEY}"})
        assert keyed.status_code == 200 and keyed.json()["check_injection"] is True
    text = stock_server.log.read_text()
    assert text.count("the pack's routes need this server's API key") == 1
