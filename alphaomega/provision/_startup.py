"""The block ``alphaomega serve`` prints once every plugin has loaded: where to connect from,
where the key is, and each plugin on or off with what to do (text only, no I/O)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from ._status import PluginStatus

COMPOSE_SERVICE = "pipelines"  # the pack's service name in docker-compose.yml
LOOPBACK = ("127.0.0.1", "localhost", "::1")
RULE = "─" * 72


@dataclass(frozen=True)
class Ready:
    host: str  # what the server binds to
    port: int
    data_dir: Path
    key_file: Path | None  # None: the key came from PIPELINES_API_KEY
    statuses: list[PluginStatus]
    fleet_up: int
    fleet_urls: list[str]  # the Ollama instances that did not answer, when some did not
    fleet_total: int


def connect_lines(host: str, port: int) -> list[tuple[str, str]]:
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    lines = [("From this machine", f"http://{local}:{port}")]
    compose = f"http://{COMPOSE_SERVICE}:{port} (Open WebUI on the compose network)"
    docker = f"http://host.docker.internal:{port} (Open WebUI in Docker on this machine"
    docker += "; needs --host 0.0.0.0)" if host in LOOPBACK else ")"
    lines.append(("From a container", compose))
    lines.append(("", docker))
    return lines


def key_lines(data_dir: Path, key_file: Path | None) -> list[tuple[str, str]]:
    command = f"alphaomega key --data-dir {shlex.quote(str(data_dir))}"
    if key_file is None:
        return [("API key", f"the PIPELINES_API_KEY you set (`{command}` prints it)")]
    return [("API key", f"in {key_file}"), ("", f"print it with `{command}`")]


def fleet_line(ready: Ready) -> str:
    text = f"{ready.fleet_up}/{ready.fleet_total} instance(s) up"
    if ready.fleet_up < ready.fleet_total:
        text += f"; not answering: {', '.join(ready.fleet_urls)}"
        text += " (start them or set ALPHAOMEGA_FLEET; `alphaomega doctor` says more)"
    return text


def ready_block(ready: Ready) -> str:
    on = sum(status.on for status in ready.statuses)
    rows = connect_lines(ready.host, ready.port) + key_lines(ready.data_dir, ready.key_file)
    rows.append(("Fleet", fleet_line(ready)))
    width = max(len(label) for label, _ in rows)
    lines = [RULE, f"AlphaOmega is ready: {on} of {len(ready.statuses)} plugin(s) on"]
    lines += [f"  {label.ljust(width)}  {value}" for label, value in rows]
    lines.append(
        "  In Open WebUI: Admin Settings → Connections → OpenAI API → add the URL and key."
    )
    name_width = max((len(s.name) for s in ready.statuses), default=0)
    lines += [f"  {status.line(name_width)}" for status in ready.statuses]
    lines.append(RULE)
    return "\n".join(lines)
