"""The pack's loop: reached from worker threads and from other loops without blocking them."""

import asyncio
import gc
import threading
import time

import pytest

from alphaomega import runtime


def test_call_runs_on_the_pack_loop_not_the_caller_thread():
    async def where():
        return threading.current_thread().name

    assert runtime.call(where()) == "alphaomega-io"


async def test_run_from_another_loop_does_not_block_it():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    await runtime.run(asyncio.sleep(0.3))
    task.cancel()
    assert ticks >= 10


def test_iterate_yields_in_order_and_reraises():
    async def numbers():
        for i in range(5):
            yield i
        raise ValueError("boom")

    seen = []
    with pytest.raises(ValueError, match="boom"):
        for item in runtime.iterate(numbers()):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def endless_tokens(closed: threading.Event):
    """Tokens until closed; ``closed`` is set when the producer ends."""

    async def endless():
        try:
            while True:
                yield "tok"
                await asyncio.sleep(0.005)
        finally:
            closed.set()

    return endless()


def test_abandoning_an_iteration_closes_the_producer():
    closed = threading.Event()
    stream = runtime.iterate(endless_tokens(closed))
    assert next(stream) == "tok"
    stream.close()
    assert closed.wait(2), "the backend stream must be closed when the chat is abandoned"


def test_an_iteration_dropped_inside_a_reference_cycle_is_closed_soon():
    closed = threading.Event()
    gc.disable()  # as on a server allocating little: no automatic collection meanwhile
    try:
        stream = runtime.iterate(endless_tokens(closed))
        assert next(stream) == "tok"
        cycle: dict = {"stream": stream}
        cycle["self"] = cycle  # dropped the way the stock server drops a reply's iterator
        del stream, cycle
        assert closed.wait(runtime.STALL_S + 3), "the stalled, unreachable iterator is closed"
    finally:
        gc.enable()


def test_a_consumer_that_is_only_slow_loses_nothing():
    async def numbers():
        for n in range(40):
            yield n
            await asyncio.sleep(0.01)

    seen = []
    for n in runtime.iterate(numbers()):
        seen.append(n)
        if n == 3:
            time.sleep(runtime.STALL_S + 0.3)  # away while the rest piles up
    assert seen == list(range(40))


def test_spawn_logs_failures_and_keeps_the_loop_alive(caplog):
    async def fails():
        raise RuntimeError("background boom")

    runtime.spawn(fails())
    deadline = time.monotonic() + 2
    while "background task failed" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "background task failed" in caplog.text

    async def ok():
        return 42

    assert runtime.call(ok()) == 42


def test_batches_hand_over_what_piled_up_in_order():
    async def burst():
        for i in range(50):
            yield i

    batches = list(runtime.iterate_batches(burst()))
    assert [i for batch in batches for i in batch] == list(range(50))
    assert all(batches)
