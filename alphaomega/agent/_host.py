"""``alphaomega agent-host``: the small HTTP app on the desktop whose screen the agent uses.

Routes: ``GET /health`` (no token; says only that it is up), ``GET /screenshot`` (PNG,
``?max_width=`` scales it down, ``?format=jpeg&quality=`` asks for a JPEG instead; the real
screen size in ``X-Screen-Width``/``-Height``),
``POST /act`` (``{"action": "<pyautogui source>", "user": "..."}``: validated here again, then
replayed from the validator's calls, never executed as code), ``POST /stop`` (the kill switch:
every later action is refused until ``POST /resume``). Every route but ``/health`` needs
``Authorization: Bearer <token>``; the desktop is driven from one thread, one thing at a time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import ConfigError
from ..safety import ActionLimits, validate_action
from ._client import ActRequest
from ._desktop import Desktop, FailSafeTriggered, encode_image
from ._guard import (
    AUDIT_FILE,
    TOKEN_ENV,
    TOKEN_FILE,
    ActionAudit,
    RateLimit,
    bearer_matches,
    host_token,
    is_loopback,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
USER_HEADER = "x-alphaomega-user"
MAX_BODY_BYTES = 64 * 1024


class HostSettings(BaseModel):
    """How the agent host runs."""

    data_dir: Path = Field(Path("data"), description="Holds the token file and the audit log.")
    actions_per_minute: int = Field(60, ge=1, description="Most actions in any minute.")
    limits: ActionLimits = Field(default_factory=ActionLimits, description="Bounds per action.")


class HostState:
    """The host's own state: the kill switch, the limit, the audit, the desktop thread."""

    def __init__(self, settings: HostSettings, token: str, desktop: Desktop | None = None) -> None:
        self.settings = settings
        self.token = token
        self.desktop = desktop or Desktop()
        self.stopped = False
        self.rate = RateLimit(settings.actions_per_minute)
        self.audit = ActionAudit(settings.data_dir / AUDIT_FILE)
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="desktop")

    async def on_desktop(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


def _refused(status: int, reasons: list[str], rules: list[str], **extra: Any) -> JSONResponse:
    return JSONResponse({"allowed": False, "reasons": reasons, "rules": rules, **extra}, status)


def _state(request: Request) -> HostState:
    return request.app.state.host


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _screenshot(request: Request) -> Response:
    state = _state(request)
    query = request.query_params
    try:
        max_width = int(query["max_width"]) if query.get("max_width") else None
        if max_width is not None and not 16 <= max_width <= 16384:
            raise ValueError
        jpeg = query.get("format", "png") == "jpeg"
        if query.get("format", "png") not in ("png", "jpeg"):
            raise ValueError
        quality = int(query.get("quality") or 90) if jpeg else None
        if quality is not None and not 10 <= quality <= 100:
            raise ValueError
    except ValueError:
        return JSONResponse(
            {"error": "max_width: 16..16384; format: png or jpeg; quality: 10..100"}, 400
        )

    def shoot() -> tuple[bytes, tuple[int, int], tuple[int, int]]:
        capture = state.desktop.capture()
        data, size = encode_image(capture.image, max_width, jpeg_quality=quality)
        return data, size, capture.size

    data, size, screen = await state.on_desktop(shoot)
    headers = {
        "x-screen-width": str(screen[0]),
        "x-screen-height": str(screen[1]),
        "x-image-width": str(size[0]),
        "x-image-height": str(size[1]),
    }
    return Response(data, media_type="image/jpeg" if jpeg else "image/png", headers=headers)


async def _act_route(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return JSONResponse({"error": "the request is too large"}, 413)
    try:
        sent = ActRequest.model_validate_json(body)
    except ValidationError:
        return JSONResponse({"error": 'send JSON {"action": "<pyautogui source>"}'}, 400)
    user = sent.user or request.headers.get(USER_HEADER, "")[:200]
    return await _act(_state(request), sent.action, user)


async def _stop(request: Request) -> Response:
    _state(request).stopped = True
    log.warning("agent host stopped: every action is refused until /resume")
    return JSONResponse({"stopped": True})


async def _resume(request: Request) -> Response:
    _state(request).stopped = False
    log.warning("agent host resumed")
    return JSONResponse({"stopped": False})


async def _status(request: Request) -> Response:
    return JSONResponse({"stopped": _state(request).stopped})


def create_app(settings: HostSettings, token: str, desktop: Desktop | None = None) -> ASGIApp:
    """The host's ASGI app, with the token check in front of every route but ``/health``."""
    state = HostState(settings, token, desktop)
    app = Starlette(
        routes=[
            Route("/health", _health),
            Route("/screenshot", _screenshot),
            Route("/act", _act_route, methods=["POST"]),
            Route("/stop", _stop, methods=["POST"]),
            Route("/resume", _resume, methods=["POST"]),
            Route("/status", _status),
        ],
        lifespan=_lifespan(state),
    )
    app.state.host = state
    return TokenGate(app, token)


def _lifespan(state: HostState) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        state.close()

    return lifespan


async def _act(state: HostState, action: str, user: str) -> Response:
    if state.stopped:
        state.audit.record(
            user=user, action=action, allowed=False, rules=["stopped"], screenshot_sha256=None
        )
        return _refused(
            403, ["the agent host is stopped; POST /resume to allow actions"], ["stopped"]
        )
    wait = state.rate.take()
    if wait:
        state.audit.record(
            user=user, action=action, allowed=False, rules=["rate-limit"], screenshot_sha256=None
        )
        reason = f"more than {state.rate.per_minute} actions in a minute; try again in {wait:.0f} s"
        return JSONResponse(
            {"allowed": False, "reasons": [reason], "rules": ["rate-limit"]},
            429,
            headers={"retry-after": str(max(1, round(wait)))},
        )

    def run() -> Response:
        screen, before = state.desktop.size(), state.desktop.fingerprint()
        verdict = validate_action(action, screen=screen, limits=state.settings.limits)
        if not verdict.allowed:
            state.audit.record(
                user=user,
                action=action,
                allowed=False,
                rules=verdict.rules,
                screenshot_sha256=before,
            )
            return _refused(403, verdict.reasons, verdict.rules)
        try:
            done = state.desktop.replay(verdict.calls) if verdict.control is None else []
        except FailSafeTriggered:
            state.stopped = True
            state.audit.record(
                user=user,
                action=action,
                allowed=False,
                rules=["fail-safe"],
                screenshot_sha256=before,
            )
            reason = "pyautogui's fail-safe fired (the mouse is in a screen corner); host stopped"
            return _refused(409, [reason], ["fail-safe"])
        state.audit.record(
            user=user,
            action=action,
            allowed=True,
            rules=[],
            screenshot_sha256=before,
            done=done,
        )
        return JSONResponse(
            {"allowed": True, "done": done, "control": verdict.control, "screen": screen}
        )

    return await state.on_desktop(run)


class TokenGate:
    """401 for every request but ``GET /health`` without the host's bearer token."""

    def __init__(self, app: Starlette, token: str) -> None:
        self.app = app
        self.token = token

    @property
    def state(self) -> HostState:
        return self.app.state.host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") != "/health":
            header = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not bearer_matches(header.decode("latin-1"), self.token):
                response = JSONResponse(
                    {"error": "missing or wrong agent host token"},
                    401,
                    headers={"www-authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


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
