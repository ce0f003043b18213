"""The factory host as a person starts it: the seed's routes, the token, the workflows kept in
SQLite over a restart, an interrupted workflow that says so."""

import io
import os
import stat
import zipfile

import httpx
import pytest

from alphaomega.factory import load_token
from alphaomega.testing.factory_host import FactoryHostProcess

API = "/api/v1/factory"
BOOKS = "a bookstore inventory API that tracks books and authors"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    with FactoryHostProcess(tmp_path_factory.mktemp("factory-host")) as running:
        yield running


def test_health_needs_no_token_and_every_other_route_does(host):
    assert httpx.get(f"{host.url}/health").json()["status"] == "ok"
    routes = [
        ("POST", f"{API}/process"),
        ("POST", f"{API}/intent"),
        ("POST", f"{API}/specification"),
        ("POST", f"{API}/architecture"),
        ("GET", f"{API}/workflows"),
        ("GET", f"{API}/workflow/0123456789abcdef0123456789abcdef"),
        ("GET", f"{API}/workflow/0123456789abcdef0123456789abcdef/download"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
    ]
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": host.token}):
            answer = httpx.request(method, host.url + path, headers=headers, json={"request": "x"})
            assert answer.status_code == 401, (method, path, headers)


def test_stage_routes(host):
    intent = host.client.post(f"{API}/intent", json={"request": BOOKS}).json()
    assert [e["name"] for e in intent["entities"]] == ["book", "author"]
    spec = host.client.post(f"{API}/specification", json={"request": BOOKS}).json()
    assert spec["complexity"] <= 10 and spec["test_coverage_goal"] >= 0.7
    both = host.client.post(f"{API}/architecture", json={"request": BOOKS}).json()
    assert both["architecture"]["pattern"] == "layered"
    assert "app/main.py" in both["architecture"]["files"]


def test_a_request_with_nothing_to_build_is_a_readable_422(host):
    answer = host.client.post(f"{API}/intent", json={"request": "build me an API"})
    assert answer.status_code == 422
    assert "could not tell what the app keeps track of" in answer.json()["detail"]


def test_process_runs_every_stage_and_offers_the_zip(host):
    started = host.client.post(f"{API}/process", json={"request": BOOKS})
    assert started.status_code == 202 and started.json()["status"] == "running"
    view = host.wait_for(started.json()["id"])
    assert view["status"] == "done", view
    stages = [e["stage"] for e in view["events"] if e["done"]]
    assert stages == [
        "intent", "specification", "architecture", "generation", "assembly", "verification",
        "delivery",
    ]  # fmt: skip
    report = view["result"]["report"]
    assert report["passed"] and report["tests_passed"] >= 10
    assert "app/main.py" in view["result"]["key_files"]
    # The zip, with the token, and with the signed link a browser gets (no token in it).
    zipped = host.client.get(view["download"])
    assert zipped.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert any(name.endswith("app/repository.py") for name in names)
    signed = httpx.get(f"{host.url}{view['download']}?sig={view['download_sig']}")
    assert signed.status_code == 200 and signed.content == zipped.content
    forged = httpx.get(f"{host.url}{view['download']}?sig={'0' * 64}")
    assert forged.status_code == 401
    other = f"{API}/workflow/{'f' * 32}/download?sig={view['download_sig']}"
    assert httpx.get(host.url + other).status_code == 401


def test_progress_is_readable_while_the_workflow_runs(host):
    started = host.client.post(f"{API}/process", json={"request": "a CLI to track expenses"})
    seen_running_with_events = False
    while True:
        view = host.client.get(f"{API}/workflow/{started.json()['id']}").json()
        if view["status"] != "running":
            break
        seen_running_with_events |= any(e["done"] for e in view["events"])
    assert seen_running_with_events and view["status"] == "done"


def test_refused_workflow_says_why(host):
    started = host.client.post(f"{API}/process", json={"request": "!!!"}).json()
    view = host.wait_for(started["id"])
    assert view["status"] == "refused" and "Describe the app" in view["error"]


def test_workflows_survive_a_restart_and_an_interrupted_one_says_so(tmp_path):
    with FactoryHostProcess(tmp_path) as host:
        done = host.client.post(f"{API}/process", json={"request": BOOKS}).json()
        host.wait_for(done["id"])
        running = host.client.post(f"{API}/process", json={"request": "a CLI to track expenses"})
        assert running.json()["status"] == "running"
        host.stop(kill=True)  # a crash mid-workflow
        host.start()
        kept = host.client.get(f"{API}/workflow/{done['id']}").json()
        assert kept["status"] == "done" and kept["result"]["report"]["passed"]
        cut = host.client.get(f"{API}/workflow/{running.json()['id']}").json()
        assert cut["status"] == "interrupted" and "interrupted" in cut["error"]
        listed = {w["id"]: w["status"] for w in host.client.get(f"{API}/workflows").json()}
        assert listed == {done["id"]: "done", running.json()["id"]: "interrupted"}
        assert "http://127.0.0.1:" in host.log()  # loopback unless told otherwise


def test_token_is_made_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("ALPHAOMEGA_FACTORY_TOKEN", raising=False)
    token = load_token(tmp_path)
    assert len(token) >= 32 and load_token(tmp_path) == token
    mode = os.stat(tmp_path / "factory_token").st_mode
    assert stat.S_IMODE(mode) == 0o600
    monkeypatch.setenv("ALPHAOMEGA_FACTORY_TOKEN", "from-env")
    assert load_token(tmp_path) == "from-env"
