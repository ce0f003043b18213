"""Turns waiting between inlet and outlet: bounded in count and in age."""

from __future__ import annotations

from alphaomega.tracing._pending import OpenTurns
from alphaomega.tracing._turns import TurnStart


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def turn(key: str, start_ns: int = 0) -> TurnStart:
    return TurnStart(key=key, start_ns=start_ns)


def test_take_tries_keys_in_order_and_same_key_turns_leave_first_in_first_out():
    turns = OpenTurns()
    turns.add(turn("a", 1))
    turns.add(turn("a", 2))
    turns.add(turn("b", 3))

    assert turns.take(["missing", "a"]).start_ns == 1
    assert turns.take(["b", "a"]).start_ns == 3
    assert turns.take(["a"]).start_ns == 2
    assert turns.take(["a", "b"]) is None
    assert len(turns) == 0


def test_an_inlet_without_outlet_is_forgotten_after_the_ttl():
    clock = FakeClock()
    turns = OpenTurns(ttl_s=60, clock=clock)
    turns.add(turn("old"))
    clock.now = 30
    turns.add(turn("young"))
    clock.now = 61

    assert turns.take(["old"]) is None
    assert turns.take(["young"]) is not None
    assert turns.expired == 1


def test_a_full_map_drops_its_oldest_entry():
    turns = OpenTurns(max_size=3)
    for index in range(5):
        turns.add(turn(f"k{index}"))

    assert len(turns) == 3 and turns.evicted == 2
    assert turns.take(["k0"]) is None and turns.take(["k1"]) is None
    assert turns.take(["k4"]) is not None


def test_resize_applies_the_new_bounds_at_once():
    clock = FakeClock()
    turns = OpenTurns(max_size=10, ttl_s=100, clock=clock)
    for index in range(4):
        turns.add(turn(f"k{index}"))

    turns.resize(max_size=2, ttl_s=100)
    assert len(turns) == 2 and turns.take(["k3"]) is not None

    clock.now = 50
    turns.resize(max_size=2, ttl_s=10)
    assert len(turns) == 0
