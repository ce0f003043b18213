"""The one client of the agent host, used by the Screen and Agent-S models, and what its
screenshots become: a frame for a vision model (the Vision model's preprocessing) and a
thumbnail for people.

Where the host is and its token come from the Pipelines server's environment
(``ALPHAOMEGA_AGENT_URL``, ``ALPHAOMEGA_AGENT_TOKEN``), never from a valve: the token is sent
only to that address. Every failure becomes an :class:`AgentHostError` a person can read.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image
from pydantic import BaseModel, Field

from .. import runtime
from ..errors import BackendError, BackendUnavailable, translate_httpx_error
from ..vision import ImageLimits, prepare_image

URL_ENV = "ALPHAOMEGA_AGENT_URL"
TOKEN_ENV = "ALPHAOMEGA_AGENT_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8001"
TIMEOUT = httpx.Timeout(60.0, connect=3.0)  # an action may sleep up to 30 s


class AgentHostError(BackendError):
    """The agent host is down, refused the token, or answered something unreadable."""

    def user_message(self) -> str:
        return f"The agent host at {self.url}: {self.args[0]}"


class AgentHostDown(AgentHostError):
    def user_message(self) -> str:
        return (
            f"The agent host at {self.url} is not reachable ({self.args[0]}). Start "
            "`alphaomega agent-host` on the desktop, and give the Pipelines server its address "
            f"in {URL_ENV} and its token in {TOKEN_ENV}."
        )


class ActionRefused(AgentHostError):
    """The host refused an action (403/409/429); ``reasons`` and ``rules`` say why."""

    def __init__(self, url: str, status: int, reasons: list[str], rules: list[str]) -> None:
        super().__init__("; ".join(reasons) or f"HTTP {status}", url=url)
        self.status = status
        self.reasons = reasons
        self.rules = rules

    def user_message(self) -> str:
        return f"The agent host refused the action: {self.args[0]}"


@dataclass(frozen=True)
class Screenshot:
    data: bytes  # PNG or JPEG, as asked
    width: int  # of the image sent
    height: int
    screen_width: int  # of the real screen
    screen_height: int


class ActRequest(BaseModel):
    """The body of ``POST /act``."""

    action: str = Field(description="pyautogui source as Agent-S writes it, or DONE/WAIT/FAIL.")
    user: str = Field(default="", max_length=200, description="Who asked, for the audit.")


class ActResult(BaseModel):
    allowed: bool = Field(description="True: the host ran it.")
    done: list[str] = Field(default_factory=list, description="What was done, per call.")
    control: str | None = Field(None, description="DONE, WAIT or FAIL.")


def host_address(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The host's URL and token from the environment (the token may be empty)."""
    env = os.environ if environ is None else environ
    url = (env.get(URL_ENV) or DEFAULT_URL).strip().rstrip("/")
    return url, env.get(TOKEN_ENV, "").strip()


class HostClient:
    """Talks to one agent host over the pack's shared HTTP client."""

    def __init__(self, url: str, token: str, *, user: str = "") -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.user = user

    @classmethod
    def from_env(cls, *, user: str = "") -> HostClient:
        url, token = host_address()
        return cls(url, token, user=user)

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = await runtime.http().request(
                method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs
            )
        except httpx.HTTPError as exc:
            error = translate_httpx_error(exc, self.url)
            if isinstance(error, BackendUnavailable):
                raise AgentHostDown(str(error.args[0]), url=self.url) from exc
            raise AgentHostError(error.args[0], url=self.url) from exc
        if response.status_code == 401:
            raise AgentHostError(
                f"it refused the token (401); set {TOKEN_ENV} for the Pipelines server to the "
                "token the host printed",
                url=self.url,
            )
        return response

    async def health(self) -> bool:
        response = await self._send("GET", "/health")
        return response.status_code == 200

    async def screenshot(
        self, max_width: int | None = None, *, jpeg_quality: int | None = None
    ) -> Screenshot:
        """The screen, scaled to ``max_width``; as PNG, or as JPEG at ``jpeg_quality`` (a
        fraction of the time to encode and send on a busy screen)."""
        params = {"max_width": str(max_width)} if max_width else {}
        if jpeg_quality:
            params.update(format="jpeg", quality=str(jpeg_quality))
        response = await self._send("GET", "/screenshot", params=params)
        kind = response.headers.get("content-type")
        if response.status_code != 200 or kind not in ("image/png", "image/jpeg"):
            raise AgentHostError(f"no screenshot (HTTP {response.status_code})", url=self.url)
        try:
            head = response.headers
            return Screenshot(
                data=response.content,
                width=int(head["x-image-width"]),
                height=int(head["x-image-height"]),
                screen_width=int(head["x-screen-width"]),
                screen_height=int(head["x-screen-height"]),
            )
        except (KeyError, ValueError) as exc:
            raise AgentHostError("its screenshot lacks the screen size", url=self.url) from exc

    async def act(self, action: str) -> ActResult:
        request = ActRequest(action=action, user=self.user)
        response = await self._send("POST", "/act", json=request.model_dump())
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.status_code in (403, 409, 429):
            raise ActionRefused(
                self.url,
                response.status_code,
                [str(r) for r in payload.get("reasons") or []],
                [str(r) for r in payload.get("rules") or []],
            )
        if response.status_code != 200:
            raise AgentHostError(f"HTTP {response.status_code} for an action", url=self.url)
        return ActResult.model_validate(payload)

    async def stop(self) -> None:
        await self._send("POST", "/stop")

    async def resume(self) -> None:
        await self._send("POST", "/resume")


@dataclass(frozen=True)
class Frame:
    """A screenshot as the model sees it: base64 JPEG, its size, and the real screen's size."""

    jpeg_b64: str
    width: int
    height: int
    screen_width: int
    screen_height: int
    image: bytes  # what the host sent (Agent-S reads the screenshot itself)

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        """A point of the image the model saw, on the real screen."""
        return (
            int(round(x * self.screen_width / self.width)),
            int(round(y * self.screen_height / self.height)),
        )


def frame_of(shot: Screenshot, limits: ImageLimits) -> Frame:
    """Blocking (decode, shrink, encode): call it in a thread."""
    jpeg_b64 = prepare_image(shot.data, limits)
    with Image.open(io.BytesIO(base64.b64decode(jpeg_b64))) as image:
        width, height = image.size
    return Frame(jpeg_b64, width, height, shot.screen_width, shot.screen_height, shot.data)


def thumbnail_markdown(shot: Screenshot, width: int) -> str:
    """A small JPEG of the screen as a markdown image (a data URL), or '' when width is 0."""
    if width <= 0:
        return ""
    with Image.open(io.BytesIO(shot.data)) as image:
        image = image.convert("RGB")
        height = max(1, round(image.height * width / image.width))
        small = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=70, optimize=True)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return f"![Screen {shot.screen_width}×{shot.screen_height}](data:image/jpeg;base64,{data})"
