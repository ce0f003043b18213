"""Starting the agent host: its token, a warning when it listens beyond loopback, uvicorn."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from ..errors import ConfigError
from ._guard import TOKEN_ENV, TOKEN_FILE, host_token, is_loopback
from ._host import HostSettings, create_app

log = logging.getLogger(__name__)


def host_banner(settings: HostSettings, host: str, port: int, token: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    source = TOKEN_ENV if os.environ.get(TOKEN_ENV, "").strip() else settings.data_dir / TOKEN_FILE
    lines = [
        f"AlphaOmega agent host on http://{shown}:{port} (display {os.environ.get('DISPLAY')})",
        f"token ({source}): {token}",
        "give the Pipelines server ALPHAOMEGA_AGENT_URL and ALPHAOMEGA_AGENT_TOKEN;",
        f"audit log: {settings.data_dir / 'audit' / 'agent.jsonl'}",
        "move the mouse into a screen corner to stop pyautogui (its fail-safe is on)",
    ]
    if not is_loopback(host):
        lines.insert(
            0,
            f"WARNING: listening on {host}: anyone who reaches this port and has the token "
            "can drive this desktop. Prefer 127.0.0.1 and an SSH tunnel.",
        )
    return "\n".join(lines)


def run_host(settings: HostSettings, host: str, port: int, echo: Callable[[str], None]) -> None:
    """Serve until Ctrl-C."""
    import uvicorn

    if not os.environ.get("DISPLAY"):
        raise ConfigError("DISPLAY is not set: start the agent host inside the desktop session")
    token = host_token(settings.data_dir)
    echo(host_banner(settings, host, port, token))
    uvicorn.run(create_app(settings, token), host=host, port=port, log_level="warning")
