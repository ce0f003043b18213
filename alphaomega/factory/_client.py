"""The factory host's client: the one place its HTTP failures become ``alphaomega.errors``."""

from __future__ import annotations

from typing import Any

import httpx

from .. import runtime
from ..errors import (
    BackendError,
    BackendStatusError,
    BackendUnavailable,
    InputError,
    translate_httpx_error,
)
from ._workflow import FactoryOptions

API = "/api/v1/factory"


class FactoryHostUnavailable(BackendUnavailable):
    def user_message(self) -> str:
        return (
            f"The factory host at {self.url} is not reachable ({self.args[0]}). Start it with "
            "`alphaomega factory-host` and check the Factory model's `host_url` valve."
        )


class FactoryClient:
    def __init__(self, url: str, token: str, *, timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = httpx.Timeout(timeout_s, connect=5.0)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await runtime.http().request(
                method, self.url + path, json=body, headers=self._headers, timeout=self.timeout
            )
        except Exception as exc:
            error: BackendError = translate_httpx_error(exc, self.url)
            if isinstance(error, BackendUnavailable):
                raise FactoryHostUnavailable(error.args[0], url=self.url) from exc
            raise error from exc
        if response.status_code == 422:
            raise InputError(_detail(response))
        if response.status_code == 401:
            raise BackendStatusError(
                "the token was refused; set ALPHAOMEGA_FACTORY_TOKEN to the host's token",
                url=self.url,
                status=401,
            )
        if response.status_code >= 400:
            raise BackendStatusError(_detail(response), url=self.url, status=response.status_code)
        return response.json()

    async def health(self) -> dict[str, Any]:
        return await self._call("GET", "/health")

    async def process(self, request: str, options: FactoryOptions) -> dict[str, Any]:
        body = {"request": request, "options": options.model_dump()}
        return await self._call("POST", f"{API}/process", body)

    async def workflow(self, workflow_id: str) -> dict[str, Any]:
        return await self._call("GET", f"{API}/workflow/{workflow_id}")

    async def workflows(self) -> list[dict[str, Any]]:
        return await self._call("GET", f"{API}/workflows")

    async def intent(self, request: str) -> dict[str, Any]:
        return await self._call("POST", f"{API}/intent", {"request": request})


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list):  # FastAPI's validation errors
        return "; ".join(str(item.get("msg", item)) for item in detail)
    return str(detail or response.text[:200] or response.reason_phrase)
