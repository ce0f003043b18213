"""The desktop for the computer-use scenario: Xvfb, the agent host on it, and its Tk window.

``agent_desktop`` (session) starts before the pack, so ``alphaomega serve`` gets the host's
address and token in its environment as a person's deployment does.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

AGENT_TOKEN = "e2e-agent-token-not-secret"


@dataclass
class AgentDesktop:
    env: dict[str, str] = field(default_factory=dict)
    display: Any = None
    host: Any = None
    reason: str = ""


@pytest.fixture(scope="session")
def agent_desktop(e2e_dirs, tmp_path_factory) -> Iterator[AgentDesktop]:
    if shutil.which("Xvfb") is None:
        yield AgentDesktop(reason="Xvfb is not installed")
        return
    try:
        from alphaomega.testing.agent_host import AgentHostProcess
        from alphaomega.testing.desktop import VirtualDisplay
    except ImportError as exc:
        yield AgentDesktop(reason=f"the agent test equipment is missing ({exc})")
        return
    _, logs = e2e_dirs
    with VirtualDisplay(1280, 800) as display:
        host = AgentHostProcess(display, tmp_path_factory.mktemp("agent-host"), AGENT_TOKEN)
        host.log_path = logs / "agent-host.log"
        with host:
            env = {"ALPHAOMEGA_AGENT_URL": host.url, "ALPHAOMEGA_AGENT_TOKEN": AGENT_TOKEN}
            yield AgentDesktop(env=env, display=display, host=host)
