"""What ``alphaomega serve`` changes in the stock server it runs whole, before it starts.

The stock server is a script whose behaviour lives in module globals, so each change replaces
one of them on the imported module (``main``), never its file:

- a plugin whose ``on_startup`` raises is moved aside to ``failed/`` (as the stock server does
  with a file that does not import) and the others start and serve; the stock loop let the
  exception end the server's start-up;
- a stored ``valves.json`` that the plugin's Valves no longer accept (a value an older version
  took, a hand edit) loses the values they refuse, with a log line naming them, and the plugin
  loads with the rest; the stock loader let the validation error end the server's start-up;
- errors of its chat route (an unknown model 404, a form it refuses 422) are written the way
  the OpenAI API writes them, ``{"error": {"message", "type", "code"}}``, which OpenAI clients
  read, with the stock ``detail`` kept beside it;
- a chat request without ``stream`` is a JSON reply, the OpenAI API's default (the stock form
  defaults it to true): the request reaches the stock route with ``"stream": false`` written in;
  an assistant message that only called tools (``"content": null``, which the stock form
  refuses) reaches it with ``"content": ""``;
- the stock server logs whole requests and replies at INFO (``logging.info(f"stream:…{res}")``)
  and prints exception texts: its INFO lines and its prints go to DEBUG, the pack logs its own
  summary of what loaded, so chat text stays out of a log kept at INFO.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from types import ModuleType
from typing import Any

from ._body import read_body, replaying
from ._routes import CHAT_PATHS

log = logging.getLogger(__name__)
stock_log = logging.getLogger("alphaomega.stock")
FAILED_FOLDER = "failed"


def adjust(server: ModuleType) -> None:
    """Guard the server's start-up and keep its chat-bearing output out of the log."""
    _openai_errors(server.app)
    server.app.add_middleware(_StreamDefault)
    server.on_startup = _guarded_startup(server)
    server.load_module_from_path = _loading_with_valid_valves(server.load_module_from_path)
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


def _loading_with_valid_valves(load: Any) -> Any:
    """The stock loader, followed by a repair of the plugin's ``valves.json`` where the plugin's
    Valves refuse it, before the stock code applies that file outside its error handling."""

    async def load_module_from_path(module_name: str, module_path: str) -> Any:
        plugin = await load(module_name, module_path)
        valves = getattr(plugin, "valves", None)
        if valves is not None:
            stored = Path(module_path).with_suffix("") / "valves.json"
            _drop_refused_valves(module_name, valves, stored)
        return plugin

    return load_module_from_path


def _drop_refused_valves(module_name: str, valves: Any, stored: Path) -> None:
    try:
        values = json.loads(stored.read_text())
    except (OSError, ValueError):
        return  # missing or unreadable: the stock loader answers for it as before
    if not isinstance(values, dict) or _accepted(valves, values):
        return
    # Validators may refuse the whole model without naming a field: each value is tried alone.
    kept = {name: value for name, value in values.items() if _accepted(valves, {name: value})}
    if not _accepted(valves, kept):
        kept = {}
    stored.write_text(json.dumps(kept))
    # Names only: a refused value may be a secret typed into the wrong valve.
    log.error(
        "%s: stored valves %s are no longer accepted; they are back to their defaults",
        module_name,
        ", ".join(sorted(set(values) - set(kept))),
    )


def _accepted(valves: Any, values: dict[str, Any]) -> bool:
    try:
        type(valves)(**{**valves.model_dump(), **values})
    except Exception:  # noqa: BLE001 - pydantic's and the plugin validators' own errors
        return False
    return True


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


def _openai_errors(app: Any) -> None:
    """The chat route's errors in the OpenAI shape (``detail`` kept); other routes as before."""
    from fastapi.exception_handlers import (
        http_exception_handler,
        request_validation_exception_handler,
    )
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    from .. import openai

    async def http_error(request: Any, exc: HTTPException) -> Any:
        if request.url.path not in CHAT_PATHS:
            return await http_exception_handler(request, exc)
        code = "model_not_found" if exc.status_code == 404 else None
        body = openai.error_body(str(exc.detail), "invalid_request_error", code)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    async def form_error(request: Any, exc: RequestValidationError) -> Any:
        if request.url.path not in CHAT_PATHS:
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
            for e in exc.errors()
        )
        body = openai.error_body(f"invalid request: {problems}", "invalid_request_error")
        body["detail"] = jsonable(exc.errors())
        return JSONResponse(body, status_code=422)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, form_error)


def jsonable(value: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)


class _StreamDefault:
    """Writes ``"stream": false`` into a chat request that has no ``stream``, and ``""`` for
    the null content of an assistant's tool calls (JSON bodies)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in CHAT_PATHS:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and _spec_defaults(payload):
            body = json.dumps(payload).encode()
            scope = {
                **scope,
                "headers": [
                    (k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                    for k, v in scope["headers"]
                ],
            }
        await self.app(scope, replaying(body, receive), send)


def _spec_defaults(payload: dict[str, Any]) -> bool:
    """Fill in what the OpenAI API leaves out and the stock form requires; True if changed."""
    changed = "stream" not in payload
    payload.setdefault("stream", False)
    messages = payload.get("messages")
    for message in messages if isinstance(messages, list) else []:
        answer = isinstance(message, dict) and message.get("role") == "assistant"
        if answer and message.get("content") is None:
            message["content"] = ""
            changed = True
    return changed
