"""The native path: an ASGI app in front of the Pipelines server's own middleware and routes.

Why: the stock server runs every ``pipe`` in a worker thread and sends each streamed chunk
through another thread hop and a per-request middleware that re-lists every plugin; filter
hooks pay that middleware and FastAPI's validation and encoding. For the pack's own plugins
this app does the same work on the server's loop: a streamed chat is rendered from the pack's
events as they come, a hook is awaited and its result encoded once. Everything else, and any
request it does not recognise, goes to the stock stack untouched.

What it does again that the stock server also does, each only for the pack's own plugins and
each held to the stock server's answer by a parity test in ``tests/host/test_native_server.py``:

- the chat form's check (``messages.chat_request_problem``, ``_routes``): a malformed chat is
  refused before any plugin runs, with a 400 and a readable ``{"detail": ...}``, where the
  stock route answers a bare 422 or, for content parts that are not objects, a 500 (for any
  model: the check protects the server, not only the pack); a body that is not JSON is left to
  the stock route, which answers it itself;
- the hook routes' 404 for an unknown filter and 422 for a body the stock form refuses: here by
  leaving those calls to the stock route, so the answers are the stock ones;
- the error body of a hook that raised (500, ``{"detail": str(exc)}``), as the stock route
  writes it, since the hook ran here;
- the SSE framing of a streamed chat (``chat``): the same ``data:`` lines the stock server
  writes for a pipe's generator, rendered on the loop instead of through worker threads.

CORS: the native path sits in front of the server's middleware, CORS included, so it does not
answer a browser's cross-origin call: any request with an ``Origin`` header goes to the stock
stack and its CORS handling (a preflight never matches a route here: it is not a JSON POST). The
one exception is a cross-origin chat that fails the chat form's check: it is refused here, as
it would be from anywhere, and that refusal carries no CORS headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Coroutine
from typing import Any

import orjson

from .. import chat, openai
from ..messages import chat_request_problem, unsupported_problem
from ._body import ASGIApp, Receive, Scope, Send, read_body, replaying
from ._routes import (
    ChatRoute,
    HookRoute,
    chat_call,
    has_header,
    hook_arguments,
    match,
    sends_json,
)
from ._server import HostServer, sub_models

log = logging.getLogger(__name__)

PATH_HEADER = (b"x-alphaomega-path", b"native")
SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), PATH_HEADER]
JSON_HEADERS = [(b"content-type", b"application/json"), PATH_HEADER]
_UNREAD = object()  # a body that is not JSON


class NativePath:
    def __init__(self, inner: ASGIApp, server: HostServer, plugins: weakref.WeakSet) -> None:
        self.inner = inner
        self.server = server
        self.plugins = plugins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = None
        headers = scope.get("headers", []) if scope["type"] == "http" else []
        if scope["type"] == "http" and sends_json(headers):
            route = match(scope["method"], scope["path"])
        # A browser's cross-origin call keeps the stock CORS handling; only the check of a
        # chat request's shape applies to it too.
        native = not has_header(headers, b"origin")
        if route is None or not (native or isinstance(route, ChatRoute)):
            await self.inner(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client left before sending its request
        replay = replaying(body, receive)
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:  # the stock route answers that one readably itself
            payload = _UNREAD
        if isinstance(route, ChatRoute) and payload is not _UNREAD:
            problem = chat_request_problem(payload)
            if problem is not None:
                log.info("refused a malformed chat request: %s", problem)
                await _json(send, 400, openai.error_body(problem, "invalid_request_error"))
                return
        if not native or payload is _UNREAD:
            await self.inner(scope, replay, send)
            return
        if isinstance(route, HookRoute):
            served = await self._hook(route, payload, send)
        else:
            assert isinstance(route, ChatRoute)
            served = await self._chat(payload, receive, send)
        if not served:
            await self.inner(scope, replay, send)

    def _native(self, plugin: Any) -> bool:
        return plugin is not None and plugin in self.plugins

    async def _hook(self, route: HookRoute, payload: Any, send: Send) -> bool:
        arguments = hook_arguments(payload)
        plugin = self.server.plugin(route.filter_id)
        hook = getattr(plugin, route.hook, None)
        if arguments is None or not self._native(plugin) or hook is None:
            return False
        try:
            result = await hook(*arguments)
        except Exception as exc:  # as the stock route answers it
            log.exception("%s %s failed", route.filter_id, route.hook)
            await _json(send, 500, {"detail": str(exc)})
            return True
        await _json(send, 200, result)
        return True

    async def _chat(self, payload: Any, receive: Receive, send: Send) -> bool:
        call = chat_call(payload)
        plugin = self.server.plugin(call.module_id) if call else None
        if call is None or not self._native(plugin) or getattr(plugin, "type", "") != "manifold":
            return False
        try:
            if call.sub_model not in sub_models(plugin):
                return False
            user_message = self.server.last_user_message(call.messages)
        except Exception:  # the stock route reports these its own way
            return False
        model = str(call.body["model"])
        problem = unsupported_problem(call.body)
        if problem is not None:
            await _json(send, 400, openai.error_body(problem, "invalid_request_error"))
            return True
        streamed = call.body.get("stream") is True
        try:
            # The pack's pipes return at once (a lazy reply); a worker thread here would cost
            # more than the call, and under load far more (it waits for the GIL). Asked for a
            # stream either way: a whole reply is gathered here, on the loop.
            answer = plugin.pipe(
                user_message=user_message,
                model_id=call.sub_model,
                messages=call.messages,
                body={**call.body, "stream": True},
            )
        except Exception as exc:
            log.exception("%s: pipe failed", model)
            answer = chat.SSEStream(model, chat.text_events(f"⚠️ AlphaOmega internal error: {exc}"))
        if not isinstance(answer, chat.SSEStream):
            answer = chat.SSEStream(model, chat.text_events(str(answer)))
        if streamed:
            answer.include_usage = chat.include_usage(call.body)
            await _stream(answer, receive, send)
        else:
            await _while_connected(_whole(answer, send), receive)
        return True


async def _whole(answer: chat.SSEStream, send: Send) -> None:
    """A non-streamed reply: one ``chat.completion``, or, when it failed before saying
    anything, the OpenAI error with the status that fits (429 busy, 503 down, ...)."""
    try:
        body = await chat.whole_reply(answer.model, answer.events, failures_raise=True)
    except chat.ReplyFailed as failed:
        status, error = openai.failure_answer(failed.error)
        await _json(send, status, error)
        return
    await _json(send, 200, body)


async def _stream(answer: chat.SSEStream, receive: Receive, send: Send) -> None:
    await _while_connected(_deliver(answer, send), receive)


async def _while_connected(reply: Coroutine[Any, Any, None], receive: Receive) -> None:
    """Send the reply (as it comes, or whole); a client that leaves cancels it, which closes
    the backend's stream, so no GPU keeps generating for nobody."""
    task = asyncio.current_task()
    assert task is not None
    over = left = False

    async def watch() -> None:
        nonlocal left
        await _disconnect(receive)  # also returns once the response is complete
        if not over:
            left = True
            task.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        await reply
    except asyncio.CancelledError:
        if not left:
            raise
        task.uncancel()
    except Exception as exc:
        log.warning("streaming a reply failed: %s", exc)
    finally:
        over = True
        watcher.cancel()


async def _deliver(answer: chat.SSEStream, send: Send) -> None:
    """Each piece is written as soon as it is rendered, by the request's own task. After its
    first piece the reply steps aside once: when many chats start together, every first token
    ready goes out before any of them spends time on its next tokens or on closing. Later
    pieces need not: each waits for the backend's next bytes, which lets the others go anyway.
    The headers go out with the first piece."""
    started = False
    async with contextlib.aclosing(answer.sse_lines()) as pieces:
        async for piece in pieces:
            first = not started
            if first:
                started = True
                await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
            last = piece.endswith(chat.SSE_END)
            await send({"type": "http.response.body", "body": piece, "more_body": not last})
            if last:
                return
            if first:
                await asyncio.sleep(0)
    if not started:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _json(send: Send, status: int, content: Any) -> None:
    try:
        data = orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # what FastAPI's encoder would have made of it
        from fastapi.encoders import jsonable_encoder

        data = orjson.dumps(jsonable_encoder(content))
    await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": data, "more_body": False})
