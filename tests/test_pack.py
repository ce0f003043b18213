"""The Pack owns the process-wide state: it closes it in order, once, leaving no thread or open
file, and two Packs share nothing."""

from __future__ import annotations

import atexit
import importlib

import pytest

from alphaomega import runtime
from alphaomega.fleet import Fleet, get_fleet, parse_fleet, set_fleet
from alphaomega.pack import CLOSE_ORDER, Pack
from alphaomega.routing import _classifier as classifier
from alphaomega.safety._audit import shared_audit_log
from alphaomega.tracing import acquire_tracer, resolve_config


def test_close_runs_the_registered_steps_in_order_once(monkeypatch):
    order: list[str] = []
    monkeypatch.setattr(Pack, "_close_steps", {})
    for part in reversed(CLOSE_ORDER):  # registered in any order, closed in CLOSE_ORDER
        Pack.on_close(part, lambda pack, part=part: order.append(part))
    pack = Pack()
    pack.close()
    pack.close()
    assert order == list(CLOSE_ORDER)


def test_every_part_s_module_registers_its_close_step():
    importlib.import_module("alphaomega.memory")  # the one part the plugins load on their own
    assert set(Pack._close_steps) == set(CLOSE_ORDER)


def test_a_failing_step_does_not_stop_the_later_ones(monkeypatch):
    order: list[str] = []

    def failing(pack: Pack) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Pack, "_close_steps", {"tracers": failing})
    Pack.on_close("runtime", lambda pack: order.append("runtime"))
    pack = Pack()
    pack.close()
    assert order == ["runtime"] and pack.closed


def test_an_unknown_part_is_refused():
    with pytest.raises(ValueError):
        Pack.on_close("printer", lambda pack: None)


def test_close_leaves_no_loop_thread_client_or_open_audit_file(pack, tmp_path):
    audit_log = shared_audit_log(tmp_path / "audit.jsonl")
    runtime.call(_touch_client())
    io_thread = pack.loop_thread
    assert io_thread is not None and io_thread.is_alive()
    assert pack.client is not None and pack.audit_logs
    pack.close()
    io_thread.join(5)
    assert audit_log._closed
    assert pack.loop is None and pack.client is None and not pack.audit_logs
    assert not io_thread.is_alive()


def test_current_is_one_pack_until_closed(pack):
    assert Pack.current() is pack
    other = Pack()
    assert other is not pack and not other.closed
    pack.close()
    assert Pack.current() is not pack  # a closed Pack is replaced on next use


def test_two_packs_do_not_share_state(pack, tmp_path):
    fleet = Fleet(parse_fleet("http://127.0.0.1:9", "refresh_s=60"))
    set_fleet(fleet)
    audit_log = shared_audit_log(tmp_path / "audit.jsonl")
    classifier.warm_up()
    own_loop = runtime.loop()
    assert pack.fleet is fleet and pack.classifier_model is not None

    other = Pack()
    Pack.install(other)
    try:
        assert not classifier.is_trained()  # the other Pack's classifier is its own, untrained
        assert shared_audit_log(tmp_path / "audit.jsonl") is not audit_log
        assert get_fleet() is not fleet
        assert runtime.loop() is not own_loop
    finally:
        Pack.install(pack)
        other.close()
    assert get_fleet() is fleet and classifier.is_trained()
    assert not audit_log._closed and runtime.loop() is own_loop


def test_the_pack_closes_its_tracers_which_register_no_exit_hook_of_their_own(pack, monkeypatch):
    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", lambda func, *args: registered.append(func))
    config = resolve_config(
        public_key="pk-lf-pack", secret_key="sk-lf-pack", base_url="http://127.0.0.1:9"
    )
    tracer = acquire_tracer(config)
    assert registered == []  # the Pack's own exit close flushes it, not one hook per tracer
    pack.close()
    assert tracer.closed


async def _touch_client() -> None:
    runtime.http()


def test_the_first_use_registers_the_process_pack(monkeypatch):
    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", lambda func, *args: registered.append(func))
    monkeypatch.setattr(Pack, "_current", None)
    runtime.loop()
    first = Pack._current
    assert first is not None and not first.closed
    assert registered == [first.close]
    first.close()
