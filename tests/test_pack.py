"""The Pack closes the process-wide state in order, once, leaving no thread or open file."""

from __future__ import annotations

from alphaomega import pack as pack_module
from alphaomega import runtime
from alphaomega.pack import Pack
from alphaomega.safety.audit import shared_audit_log


def test_close_runs_the_steps_in_order_once(monkeypatch):
    order: list[str] = []
    for name in (
        "_close_tracers",
        "_close_memory",
        "_close_audit_logs",
        "_close_fleet",
        "_close_runtime",
    ):
        monkeypatch.setattr(pack_module, name, lambda name=name: order.append(name))
    pack = Pack()
    pack.close()
    pack.close()
    assert order == [
        "_close_tracers",
        "_close_memory",
        "_close_audit_logs",
        "_close_fleet",
        "_close_runtime",
    ]


def test_close_leaves_no_loop_thread_client_or_open_audit_file(tmp_path):
    audit_log = shared_audit_log(tmp_path / "audit.jsonl")
    runtime.call(_touch_client())
    io_thread = runtime._thread
    assert io_thread is not None and io_thread.is_alive()
    Pack().close()
    io_thread.join(5)
    assert audit_log._closed
    assert runtime._loop is None and runtime._client is None
    assert not io_thread.is_alive()


def test_current_is_one_pack_until_closed():
    first = Pack.current()
    assert Pack.current() is first
    other = Pack()
    assert other is not first and not other.closed


async def _touch_client() -> None:
    runtime.http()


def test_first_loop_and_audit_log_register_the_process_pack(monkeypatch, tmp_path):
    runtime.shutdown()
    monkeypatch.setattr(Pack, "_current", None)
    runtime.loop()
    first = Pack._current
    assert first is not None and not first.closed
    monkeypatch.setattr(Pack, "_current", None)
    shared_audit_log(tmp_path / "audit.jsonl")
    assert Pack._current is not None
    Pack._current.close()
