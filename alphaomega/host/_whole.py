"""What ``alphaomega serve`` changes in the stock server it runs whole, before it starts.

The stock server is a script whose behaviour lives in module globals, so each change replaces
one of them on the imported module (``main``), never its file:

- a plugin whose ``on_startup`` raises is moved aside to ``failed/`` (as the stock server does
  with a file that does not import) and the others start and serve; the stock loop let the
  exception end the server's start-up;
- the stock server logs whole requests and replies at INFO (``logging.info(f"stream:…{res}")``)
  and prints exception texts: its INFO lines and its prints go to DEBUG, the pack logs its own
  summary of what loaded, so chat text stays out of a log kept at INFO.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)
stock_log = logging.getLogger("alphaomega.stock")
FAILED_FOLDER = "failed"


def adjust(server: ModuleType) -> None:
    """Guard the server's start-up and keep its chat-bearing output out of the log."""
    server.on_startup = _guarded_startup(server)
    server.print = _to_debug
    logging.getLogger().addFilter(_StockLinesToDebug(getattr(server, "__file__", "")))


def _guarded_startup(server: ModuleType) -> Any:
    async def on_startup() -> None:
        await server.load_modules_from_directory(server.PIPELINES_DIR)
        for plugin_id, plugin in list(server.PIPELINE_MODULES.items()):
            if not hasattr(plugin, "on_startup"):
                continue
            try:
                await plugin.on_startup()
            except Exception as exc:  # a plugin's fault must not stop the others
                _set_aside(server, plugin_id, exc)
        server.PIPELINES = server.get_all_pipelines()
        server.app.state.PIPELINES = server.PIPELINES
        log.info("plugins serving: %s", ", ".join(sorted(server.PIPELINE_MODULES)) or "none")

    return on_startup


def _set_aside(server: ModuleType, plugin_id: str, error: Exception) -> None:
    name = server.PIPELINE_NAMES.pop(plugin_id, plugin_id)
    server.PIPELINE_MODULES.pop(plugin_id, None)
    source = Path(server.PIPELINES_DIR) / f"{name}.py"
    failed = source.parent / FAILED_FOLDER
    failed.mkdir(exist_ok=True)
    if source.exists():
        os.replace(source, failed / source.name)
    log.error(
        "plugin %s failed to start (%s: %s); moved to %s/ and left out",
        source.name,
        type(error).__name__,
        error,
        FAILED_FOLDER,
    )


def _to_debug(*values: object, sep: str | None = " ", **_: Any) -> None:
    stock_log.debug((" " if sep is None else sep).join(str(value) for value in values))


class _StockLinesToDebug(logging.Filter):
    """Drops the stock server's own lines below WARNING from the root logger (it logs through
    ``logging.info`` itself); they are logged again at DEBUG under ``alphaomega.stock``."""

    def __init__(self, server_file: str) -> None:
        super().__init__()
        self.server_file = server_file  # the path its code was compiled from, as records carry

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or not self.server_file:
            return True
        if record.pathname != self.server_file:
            return True
        if stock_log.isEnabledFor(logging.DEBUG):
            stock_log.debug(record.getMessage())
        return False
