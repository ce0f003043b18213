"""Fetching an image given by http(s) URL, within size and time limits."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from .. import runtime
from ..errors import InputError
from ._images import ImageLimits, too_large_message


async def fetch_image(
    url: str, limits: ImageLimits, *, timeout_s: float, allow_private: bool = False
) -> bytes:
    """The bytes at ``url``; stops reading past ``limits.max_bytes`` or ``timeout_s``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"The image link {url[:80]!r} is not an http(s) URL.")
    if not allow_private:
        await _refuse_private_host(parts.hostname, parts.port or 0)
    try:
        async with asyncio.timeout(timeout_s):
            return await _read_limited(url, limits)
    except TimeoutError as exc:
        raise InputError(f"The image at {url[:80]} did not arrive within {timeout_s:g} s.") from exc
    except httpx.HTTPError as exc:
        raise InputError(f"The image at {url[:80]} could not be fetched: {exc}") from exc


async def _read_limited(url: str, limits: ImageLimits) -> bytes:
    async with runtime.http().stream("GET", url, follow_redirects=False) as response:
        if response.status_code != 200:
            raise InputError(f"The image link answered HTTP {response.status_code}.")
        declared = int(response.headers.get("content-length") or 0)
        if declared > limits.max_bytes:
            raise InputError(too_large_message(declared, limits))
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > limits.max_bytes:
                raise InputError(too_large_message(received, limits))
            chunks.append(chunk)
        return b"".join(chunks)


async def _refuse_private_host(host: str, port: int) -> None:
    """Image links must not make the server reach into its own network (SSRF)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InputError(f"The image host {host!r} could not be resolved.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise InputError(
                f"The image link points into a private network ({host}); only public image "
                "links are fetched (valve: allow_private_image_hosts)."
            )
