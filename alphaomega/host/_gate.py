"""The front door: an ASGI app in front of everything the Pipelines server serves.

Why: the stock server checks its API key only on the model list, ``/pipelines*`` and uploads;
its chats, valves (read, schema and update) and filter hooks answer anyone who can reach it,
and a valves update can point a plugin (and the secrets it sends) at another host. The door
asks for ``Authorization: Bearer KEY``, as Open WebUI sends it, before any route runs:

- ``alphaomega serve`` runs the whole server and puts the door around all of it: every route
  but ``GET /`` (the health check) needs the key;
- a stock server that merely loaded the pack's plugins gets a door around the pack's own routes
  only (its valves, spec, update and hooks, and chats naming its models); the rest of that
  server stays as its owner set it up.

Behind a passed door it also refuses an upload whose file name would land outside the plugin
folder, and lets the valve guard refuse a valves update before the stock route applies it.
Every refusal is logged with its method and path only: bodies carry chat text.
"""

from __future__ import annotations

import hmac
import logging
import re
import weakref
from collections.abc import Callable
from typing import Any

import orjson

from .. import openai, valve_guard
from ._body import ASGIApp, BodyTooLarge, Receive, Scope, Send, read_body, replaying
from ._multipart import MalformedUpload, unsafe_filename, upload_filenames
from ._server import HostServer

log = logging.getLogger(__name__)

HEALTH_PATH = "/"
CHAT_PATHS = frozenset({"/chat/completions", "/v1/chat/completions"})
UPLOAD_PATHS = frozenset({"/pipelines/upload", "/v1/pipelines/upload"})
# A plugin's own routes: /{id}/valves, /{id}/valves/spec, /{id}/valves/update,
# /{id}/filter/inlet and /{id}/filter/outlet, each also under /v1.
_PLUGIN_ROUTE = re.compile(
    r"^(?:/v1)?/(?P<id>[^/]+)/(?P<what>valves|valves/spec|valves/update|filter/inlet|filter/outlet)$"
)
MAX_CHECKED_BODY = 64 * 1024 * 1024  # bodies the door reads to judge: plugin files, valves, chats
WWW_AUTHENTICATE = (b"www-authenticate", b"Bearer")
JSON_TYPE = (b"content-type", b"application/json")


class FrontDoor:
    """``FrontDoor(inner, key)`` guards every route; with ``pack=`` only the pack's own routes."""

    def __init__(
        self,
        inner: ASGIApp,
        key: str,
        *,
        pack: weakref.WeakSet[Any] | None = None,
        server: Callable[[], HostServer | None] = HostServer.find,
    ) -> None:
        self.inner = inner
        self._key = key.encode()
        self.pack = pack
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan" or (
            kind == "http" and scope["path"] == HEALTH_PATH and scope["method"] in ("GET", "HEAD")
        ):
            await self.inner(scope, receive, send)
            return
        if kind not in ("http", "websocket"):
            return  # no other kind of connection is served
        try:
            await self._enter(scope, receive, send)
        except BodyTooLarge:
            await _answer(send, 413, {"detail": "the request body is too large"})

    async def _enter(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        body: bytes | None = None
        if self.pack is not None:
            guarded, body = await self._pack_route(scope, receive)
            if guarded is None:
                return  # the client left before its request was read
        else:
            guarded = True
        if guarded and not self.authorised(scope):
            await _refuse(scope, send)
            return
        if kind == "http":
            if body is None and self._checks(scope):
                body = await read_body(receive, MAX_CHECKED_BODY)
                if body is None:
                    return
            if body is not None:
                refusal = self._refusal(scope, body)
                if refusal is not None:
                    status, detail = refusal
                    await _answer(send, status, {"detail": detail})
                    return
                receive = replaying(body, receive)
        await self.inner(scope, receive, send)

    def authorised(self, scope: Scope) -> bool:
        """Whether the request carries ``Authorization: Bearer <the key>`` (constant time)."""
        if not self._key:
            return False  # a server without a key lets nobody in through the door
        for name, value in scope.get("headers", []):
            if name.lower() == b"authorization":
                scheme, _, token = value.strip().partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self._key)
        return False

    async def _pack_route(self, scope: Scope, receive: Receive) -> tuple[bool | None, bytes | None]:
        """Whether the request is for one of the pack's routes (reading a chat's body to know)."""
        if scope["type"] != "http":
            return False, None
        found = _PLUGIN_ROUTE.match(scope["path"])
        if found is not None:
            return self._is_pack(found["id"]), None
        if scope["method"] != "POST" or scope["path"] not in CHAT_PATHS:
            return False, None
        body = await read_body(receive, MAX_CHECKED_BODY)
        if body is None:
            return None, None
        try:
            model = orjson.loads(body).get("model")
        except (orjson.JSONDecodeError, AttributeError):
            model = None
        return isinstance(model, str) and self._is_pack(model), body

    def _is_pack(self, plugin_id: str) -> bool:
        """A pack plugin's id, or a sub-model of a pack manifold (``manifold.sub``)."""
        server = self.server()
        if server is None or self.pack is None:
            return False
        return any(
            server.plugin(candidate) in self.pack
            for candidate in {plugin_id, plugin_id.split(".", 1)[0]}
        )

    def _checks(self, scope: Scope) -> bool:
        """Whether the door reads this request's body before passing it on."""
        if scope["method"] != "POST":
            return False
        if scope["path"] in UPLOAD_PATHS:
            return True
        found = _PLUGIN_ROUTE.match(scope["path"])
        return found is not None and found["what"] == "valves/update"

    def _refusal(self, scope: Scope, body: bytes) -> tuple[int, str] | None:
        if scope["method"] != "POST":
            return None
        if scope["path"] in UPLOAD_PATHS:
            return _upload_refusal(dict(scope.get("headers", [])).get(b"content-type", b""), body)
        found = _PLUGIN_ROUTE.match(scope["path"])
        if found is not None and found["what"] == "valves/update":
            return self._valves_refusal(found["id"], body)
        return None

    def _valves_refusal(self, plugin_id: str, body: bytes) -> tuple[int, str] | None:
        server = self.server()
        plugin = server.plugin(plugin_id) if server is not None else None
        current = getattr(plugin, "valves", None)
        try:
            update = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None  # the stock route answers a body it cannot read
        if current is None or not isinstance(update, dict):
            return None
        verdict = valve_guard.check_valves_update(plugin_id, current, update)
        for warning in verdict.warnings:
            log.warning("valves of %s: %s", plugin_id, warning)
        if verdict.refusal is not None:
            log.warning("valves update of %s refused: %s", plugin_id, verdict.refusal)
            return 400, verdict.refusal
        return None


def _upload_refusal(content_type: bytes, body: bytes) -> tuple[int, str] | None:
    try:
        names = upload_filenames(content_type, body)
    except MalformedUpload as exc:
        return 400, str(exc)
    for name in names:
        reason = unsafe_filename(name)
        if reason is not None:
            log.warning("upload refused: %s", reason)
            return 400, reason
    return None


async def _refuse(scope: Scope, send: Send) -> None:
    method = scope.get("method", "WEBSOCKET")
    log.warning("refused %s %s: no valid API key", method, scope.get("path", ""))
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    # The OpenAI shape (its clients read ``error``), with the stock ``detail`` beside it.
    refusal = openai.error_body("a valid API key is required", "invalid_request_error")
    refusal["error"]["code"] = "invalid_api_key"
    await _answer(send, 401, refusal, [WWW_AUTHENTICATE])


async def _answer(
    send: Send, status: int, content: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = orjson.dumps(content)
    head = [JSON_TYPE, (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
