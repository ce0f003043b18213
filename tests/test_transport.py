"""The shared client's transport: requests spread over small pools, connections reused."""

import asyncio

import httpx
import pytest

from alphaomega.transport import DEFAULT_SHARDS, ShardedTransport, _share

WAIT_S = 5.0


class KeepAliveServer:
    """A minimal HTTP/1.1 server that knows the client port of every connection it accepts,
    and can hold requests until told to answer them."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.waiting = 0
        self.most_waiting = 0
        self.release = asyncio.Event()
        self.release.set()
        self.closed = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> "KeepAliveServer":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        self.release.set()
        for writer in self._writers:
            writer.close()  # the handler sees the end of its stream and returns
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._handlers.add(asyncio.current_task())
        self._writers.add(writer)
        port = writer.get_extra_info("peername")[1]
        self.ports.append(port)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")  # GET requests carry no body
                self.waiting += 1
                self.most_waiting = max(self.most_waiting, self.waiting)
                await self.release.wait()
                self.waiting -= 1
                answer = str(port).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(answer), answer)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed += 1  # the client closed its end
        finally:
            writer.close()


async def wait_for(condition) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_sequential_requests_reuse_one_connection_per_shard():
    async with KeepAliveServer() as server:
        transport = ShardedTransport(httpx.Limits(max_connections=64), shards=4)
        async with httpx.AsyncClient(transport=transport) as client:
            answered = [int((await client.get(server.url)).text) for _ in range(40)]
        assert len(server.ports) == 4, "each shard opens one connection and keeps it"
        assert set(answered) == set(server.ports)
        # Round robin: each connection served every fourth request, ten in all.
        assert all(answered.count(port) == 10 for port in server.ports)
        assert answered[:4] == answered[4:8]


async def test_one_shard_behaves_like_a_plain_pool():
    async with KeepAliveServer() as server:
        transport = ShardedTransport(httpx.Limits(max_connections=8), shards=1)
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(10):
                assert (await client.get(server.url)).status_code == 200
        assert len(server.ports) == 1


async def test_concurrent_requests_spread_over_the_shards():
    async with KeepAliveServer() as server:
        server.release.clear()
        transport = ShardedTransport(httpx.Limits(max_connections=64), shards=4)
        async with httpx.AsyncClient(transport=transport) as client:
            requests = [asyncio.ensure_future(client.get(server.url)) for _ in range(12)]
            await wait_for(lambda: server.waiting == 12)
            server.release.set()
            answers = await asyncio.gather(*requests)
            assert all(a.status_code == 200 for a in answers)
            assert len(server.ports) == 12
            # Afterwards, requests go over the connections the shards kept.
            again = [int((await client.get(server.url)).text) for _ in range(8)]
        assert len(server.ports) == 12
        assert set(again) <= set(server.ports)


@pytest.mark.parametrize(("total", "shards", "per_shard"), [(4, 4, 1), (5, 2, 3), (7, 3, 3)])
async def test_the_connection_limit_is_split_per_shard_rounding_up(total, shards, per_shard):
    async with KeepAliveServer() as server:
        server.release.clear()
        transport = ShardedTransport(httpx.Limits(max_connections=total), shards=shards)
        async with httpx.AsyncClient(transport=transport, timeout=WAIT_S * 2) as client:
            wanted = shards * per_shard + shards  # more than all shards together may open
            requests = [asyncio.ensure_future(client.get(server.url)) for _ in range(wanted)]
            await wait_for(lambda: server.waiting == shards * per_shard)
            await asyncio.sleep(0.2)  # room for a request past the limit to show up
            assert server.waiting == shards * per_shard
            server.release.set()
            answers = await asyncio.gather(*requests)
        assert all(a.status_code == 200 for a in answers)
        assert server.most_waiting == shards * per_shard
        assert len(server.ports) == shards * per_shard, "waiting requests reuse connections"


@pytest.mark.parametrize(
    ("total", "shards", "expected"),
    [(512, 8, 64), (128, 8, 16), (10, 4, 3), (1, 8, 1), (3, 8, 1), (None, 8, None)],
)
def test_share_rounds_up_and_never_goes_below_one(total, shards, expected):
    assert _share(total, shards) == expected


def test_a_shard_count_below_one_means_one_shard():
    assert len(ShardedTransport(httpx.Limits(), shards=0).shards) == 1
    assert len(ShardedTransport(httpx.Limits()).shards) == DEFAULT_SHARDS


async def test_closing_the_transport_closes_every_shards_connections():
    async with KeepAliveServer() as server:
        transport = ShardedTransport(httpx.Limits(max_connections=8), shards=2)
        client = httpx.AsyncClient(transport=transport)
        for _ in range(4):
            await client.get(server.url)
        assert len(server.ports) == 2 and server.closed == 0
        await client.aclose()
        await wait_for(lambda: server.closed == 2)
