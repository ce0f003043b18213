"""The pack on a host's loop (the Pipelines server's): adopted before first use, never stopped."""

import asyncio
import threading

import pytest

from alphaomega import runtime

HOST_THREAD = "host-server-loop"


class HostLoop:
    """A loop running in its own thread, as the server's runs under uvicorn."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=HOST_THREAD, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 5.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
            self.loop.close()


@pytest.fixture
def host(pack):
    # A Pack of the test's own: a fresh runtime, as in a server process before its plugins load.
    host = HostLoop()
    yield host
    pack.close()  # before the host loop goes: its client closes on that loop
    host.close()


async def where():
    return asyncio.get_running_loop(), threading.current_thread().name


def test_call_from_a_worker_thread_runs_on_the_adopted_loop(host):
    assert runtime.adopt(host.loop) is True
    assert runtime.adopted()
    assert runtime.loop() is host.loop

    results = []
    worker = threading.Thread(target=lambda: results.append(runtime.call(where())))
    worker.start()
    worker.join(5)
    assert results == [(host.loop, HOST_THREAD)]
    assert runtime.call(where()) == (host.loop, HOST_THREAD)  # this thread is a worker too


def test_spawn_runs_on_the_adopted_loop(host):
    assert runtime.adopt(host.loop)
    seen = []
    done = threading.Event()

    async def record():
        seen.append(await where())
        done.set()

    runtime.spawn(record())
    assert done.wait(5)
    assert seen == [(host.loop, HOST_THREAD)]


async def test_run_from_another_loop_runs_on_the_adopted_loop(host):
    assert runtime.adopt(host.loop)
    assert await runtime.run(where()) == (host.loop, HOST_THREAD)


def test_iterate_runs_its_producer_on_the_adopted_loop(host):
    assert runtime.adopt(host.loop)

    async def loops():
        for _ in range(3):
            yield (await where())[0]

    assert list(runtime.iterate(loops())) == [host.loop] * 3


def test_run_on_the_adopted_loop_itself_awaits_directly_and_call_refuses(host):
    assert runtime.adopt(host.loop)

    async def inside():
        ran = await runtime.run(where())
        coro = where()
        try:
            runtime.call(coro)
        except RuntimeError as exc:
            return ran, str(exc)
        return ran, None

    ran, refusal = host.run(inside())
    assert ran == (host.loop, HOST_THREAD)
    assert refusal is not None and "deadlock" in refusal


def test_the_shared_client_is_made_on_the_adopted_loop_and_works_there(host):
    assert runtime.adopt(host.loop)

    async def client_and_loop():
        client = runtime.http()
        return client, asyncio.get_running_loop()

    client, loop = runtime.call(client_and_loop())
    assert loop is host.loop and not client.is_closed
    assert runtime.call(client_and_loop())[0] is client


def test_adopt_is_refused_once_the_packs_own_loop_runs(host):
    own = runtime.loop()
    assert own is not host.loop and own.is_running()
    assert runtime.adopt(host.loop) is False
    assert not runtime.adopted()
    assert runtime.loop() is own
    loop, thread = runtime.call(where())
    assert loop is own and thread != HOST_THREAD


def test_adopting_the_same_loop_again_is_fine_and_a_second_loop_is_refused(host):
    assert runtime.adopt(host.loop)
    assert runtime.adopt(host.loop)  # the server reloads its plugins: each attaches again
    other = HostLoop()
    try:
        assert runtime.adopt(other.loop) is False
        assert runtime.loop() is host.loop
    finally:
        other.close()


def test_shutdown_leaves_an_adopted_loop_running_and_closes_the_client(host):
    assert runtime.adopt(host.loop)

    async def make_client():
        return runtime.http()

    client = runtime.call(make_client())
    runtime.shutdown()

    assert client.is_closed
    assert not runtime.adopted()
    assert host.loop.is_running() and not host.loop.is_closed()
    assert host.run(where()) == (host.loop, HOST_THREAD)  # it still serves its host
    # The pack's next use starts its own loop again; the host's is not taken back silently.
    own = runtime.loop()
    assert own is not host.loop
    assert host.loop.is_running()


def test_shutdown_on_the_adopted_loop_itself_returns_at_once(host):
    assert runtime.adopt(host.loop)

    async def make_client():
        return runtime.http()

    client = runtime.call(make_client())

    async def shut_down_here():
        runtime.shutdown()  # e.g. from the server's own shutdown hook

    host.run(shut_down_here(), timeout=2)  # waiting on its own loop would block it
    assert not runtime.adopted()
    assert host.loop.is_running()
    assert runtime.call(make_client()) is not client  # the next use makes a fresh one


def test_a_closed_adopted_loop_no_longer_counts_and_the_pack_starts_its_own(host):
    assert runtime.adopt(host.loop)
    host.close()
    assert not runtime.adopted()
    loop, thread = runtime.call(where())
    assert loop is not host.loop and thread != HOST_THREAD


def test_settling_the_heap_freezes_it_only_in_a_server(host, monkeypatch):
    import gc

    gc.unfreeze()
    threshold = gc.get_threshold()
    monkeypatch.setattr(runtime, "_interpreter_tuned", True)  # as `alphaomega serve` does
    try:
        runtime.settle_heap()  # the pack's own loop, or none: a test process, never frozen
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == threshold
        assert runtime.adopt(host.loop)
        runtime.settle_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= runtime.YOUNG_GC_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_a_stock_server_that_loads_the_pack_keeps_its_heap_settings(host, monkeypatch):
    import gc

    monkeypatch.setattr(runtime, "_interpreter_tuned", False)  # not `alphaomega serve`
    gc.unfreeze()
    threshold = gc.get_threshold()
    try:
        assert runtime.adopt(host.loop)
        runtime.settle_heap()
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == threshold
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
