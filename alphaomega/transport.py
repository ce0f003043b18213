"""The shared HTTP client's transport: several small connection pools instead of one big one.

Why: httpcore's pool re-examines every connection it holds each time a request starts or ends
(is it idle, has it expired: a socket poll each) and counts them once per idle connection, so
its cost grows with the square of the connections open. With 32 streams to one Ollama that was
a third of the server's CPU. Requests are spread over ``shards`` independent pools, each
holding a fraction of the connections; a connection is reused within its pool.
"""

from __future__ import annotations

import itertools

import httpx

DEFAULT_SHARDS = 8


class ShardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, limits: httpx.Limits, shards: int = DEFAULT_SHARDS) -> None:
        shards = max(1, shards)
        per_shard = httpx.Limits(
            max_connections=_share(limits.max_connections, shards),
            max_keepalive_connections=_share(limits.max_keepalive_connections, shards),
            keepalive_expiry=limits.keepalive_expiry,
        )
        self.shards = [httpx.AsyncHTTPTransport(limits=per_shard) for _ in range(shards)]
        self._next = itertools.cycle(self.shards)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await next(self._next).handle_async_request(request)

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()


def _share(total: int | None, shards: int) -> int | None:
    return None if total is None else max(1, -(-total // shards))
