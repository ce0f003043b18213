"""A real X display with a Tk window of the tests' own, and the agent host driving it."""

from __future__ import annotations

import pytest

from alphaomega.testing.agent_host import AgentHostProcess
from alphaomega.testing.desktop import TargetWindow, VirtualDisplay

TOKEN = "agent-test-token-not-secret"


@pytest.fixture(scope="module")
def display():
    with VirtualDisplay(1280, 800) as running:
        yield running


@pytest.fixture(scope="module")
def agent_host(display, tmp_path_factory):
    with AgentHostProcess(display, tmp_path_factory.mktemp("agent-host"), TOKEN) as host:
        yield host


@pytest.fixture
def window(display, tmp_path):
    with TargetWindow(display, tmp_path / "window.jsonl") as target:
        yield target
