"""The scheduler's ranking, as pure logic: warm first, then load per slot, TTFT, affinity; VRAM."""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from alphaomega.fleet._scheduler import (
    Candidate,
    Resident,
    assess,
    eviction,
    ewma,
    queue_wait_s,
    rank,
)

GB = 10**9


def names(choices):
    return [c.name for c in choices]


def test_warm_with_a_free_slot_beats_an_idle_cold_instance():
    ranked = rank(
        5 * GB,
        [
            Candidate("cold", order=0, in_flight=0, slots=4),
            Candidate("warm", order=1, loaded=True, in_flight=3, slots=4),
        ],
    )
    assert names(ranked) == ["warm", "cold"]
    assert (ranked[0].reason, ranked[0].delay_s) == ("warm", 0)
    assert ranked[1].reason == "cold"


def test_among_warm_ones_the_fewest_in_flight_per_slot_wins():
    ranked = rank(
        0,
        [
            Candidate("a", order=0, loaded=True, in_flight=2, slots=4),  # 0.5 per slot
            Candidate("b", order=1, loaded=True, in_flight=1, slots=4),  # 0.25
            Candidate("c", order=2, loaded=True, in_flight=0, slots=1),  # 0, but tiny
        ],
    )
    assert names(ranked) == ["c", "b", "a"]


def test_then_the_lowest_recent_ttft_then_affinity_then_order():
    fast = Candidate("fast", order=1, loaded=True, slots=2, ttft_s=0.2)
    slow = Candidate("slow", order=0, loaded=True, slots=2, ttft_s=0.9)
    assert names(rank(0, [slow, fast])) == ["fast", "slow"]
    # TTFTs within the same band are equal: the chat's own instance decides, else the order.
    near = Candidate("near", order=0, loaded=True, slots=2, ttft_s=0.21)
    assert names(rank(0, [near, fast])) == ["near", "fast"]
    assert names(rank(0, [near, fast], preferred="fast")) == ["fast", "near"]


def test_affinity_never_outweighs_load():
    busy = Candidate("busy", order=0, loaded=True, in_flight=3, slots=4)
    idle = Candidate("idle", order=1, loaded=True, in_flight=0, slots=4)
    assert names(rank(0, [busy, idle], preferred="busy")) == ["idle", "busy"]


def test_only_eligible_instances_are_ranked():
    ranked = rank(
        0,
        [
            Candidate("other-models", serves=False),
            Candidate("down", available=False),
            Candidate("tried"),
            Candidate("ok"),
        ],
        exclude={"tried"},
    )
    assert names(ranked) == ["ok"]


def test_a_saturated_warm_instance_loses_to_a_cold_one_when_the_queue_is_longer_than_a_load():
    warm = Candidate("warm", order=0, loaded=True, in_flight=8, slots=2, hold_s=4.0)
    cold = Candidate("cold", order=1, load_s=3.0, slots=2)
    assert queue_wait_s(warm) == 14.0  # 7 ahead of us, two slots, 4 s each
    assert names(rank(5 * GB, [warm, cold])) == ["cold", "warm"]
    # ...and wins when the load costs more than the wait.
    slow_load = Candidate("cold", order=1, load_s=30.0, slots=2)
    assert names(rank(5 * GB, [warm, slow_load])) == ["warm", "cold"]


def test_a_cold_model_goes_where_it_fits_rather_than_evicting_a_hot_one():
    hot = Resident("llava:34b", 20 * GB, hot=True, reload_s=11.0)
    full = Candidate("full", order=0, vram=24 * GB, load_s=3.0, residents=(hot,))
    roomy = Candidate("roomy", order=1, vram=24 * GB, load_s=3.0, in_flight=2, slots=4)
    ranked = rank(5 * GB, [full, roomy])
    assert names(ranked) == ["roomy", "full"]
    assert ranked[1].reason == "cold+evicts:llava:34b"
    assert ranked[1].delay_s == 3.0 + 11.0


def test_evicting_a_model_nobody_used_lately_costs_nothing_extra():
    stale = Resident("old:7b", 20 * GB, hot=False, reload_s=11.0)
    full = Candidate("full", order=0, vram=24 * GB, load_s=3.0, residents=(stale,))
    assert assess(5 * GB, full).delay_s == 3.0
    assert assess(5 * GB, full).reason == "cold"


def test_a_second_copy_never_evicts_a_hot_model_while_a_warm_copy_exists():
    queue = Candidate("warm", order=1, loaded=True, in_flight=40, slots=4, hold_s=5.0)
    hot = Resident("qwen:7b", 20 * GB, hot=True, reload_s=1.0)
    evicting = Candidate("evicting", order=0, vram=24 * GB, load_s=1.0, residents=(hot,))
    assert names(rank(10 * GB, [evicting, queue])) == ["warm", "evicting"]
    # With no warm copy anywhere, the cheapest load wins, eviction included.
    assert names(rank(10 * GB, [evicting]))[0] == "evicting"


def test_eviction_follows_lru_among_idle_models_and_waits_for_busy_ones_last():
    residents = (
        Resident("lru", 8 * GB, hot=True, reload_s=2.0),
        Resident("busy", 8 * GB, busy=True, reload_s=3.0),
        Resident("recent", 8 * GB, hot=True, reload_s=4.0),
    )
    candidate = Candidate("x", vram=24 * GB, residents=residents, hold_s=5.0)
    victims, cost = eviction(8 * GB, candidate)
    assert [v.name for v in victims] == ["lru"]
    assert cost == 2.0
    victims, cost = eviction(20 * GB, candidate)
    assert [v.name for v in victims] == ["lru", "recent", "busy"]
    assert cost == 2.0 + 4.0 + 3.0 + 5.0  # reloads, plus one hold while "busy" finishes
    assert eviction(8 * GB, Candidate("unknown-vram", residents=residents)) == ([], 0.0)


def test_a_load_under_way_and_the_single_loader_are_waited_for():
    loading = Candidate("loading", loaded=True, loading_left_s=2.5)
    assert assess(0, loading).delay_s == 2.5
    assert assess(0, loading).reason == "loading"
    behind = Candidate("behind", loader_busy_s=4.0, load_s=3.0)
    assert assess(0, behind).delay_s == 7.0


def test_ewma():
    assert ewma(None, 4.0) == 4.0
    assert ewma(4.0, 8.0, alpha=0.25) == 5.0


candidates = st.lists(
    st.builds(
        Candidate,
        name=st.text("abcdefgh", min_size=1, max_size=3),
        loaded=st.booleans(),
        in_flight=st.integers(0, 12),
        slots=st.integers(1, 4),
        ttft_s=st.none() | st.floats(0.01, 5),
        load_s=st.floats(0.1, 20),
        hold_s=st.floats(0.1, 20),
        serves=st.booleans(),
        available=st.booleans(),
    ),
    max_size=6,
    unique_by=lambda c: c.name,
)


@given(candidates, st.none() | st.sampled_from("abc"), st.randoms())
def test_ranking_is_deterministic_and_starts_with_whoever_can_start_now(pool, preferred, rnd):
    pool = [replace(c, order=index) for index, c in enumerate(pool)]
    ranked = rank(5 * GB, pool, preferred=preferred)
    shuffled = list(pool)
    rnd.shuffle(shuffled)
    assert ranked == rank(5 * GB, shuffled, preferred=preferred)  # the input order is no factor
    eligible = {c.name for c in pool if c.serves and c.available}
    assert sorted(names(ranked)) == sorted(eligible)
    ready = {
        c.name for c in pool if c.serves and c.available and c.loaded and c.in_flight < c.slots
    }
    assert set(names(ranked)[: len(ready)]) == ready


def test_an_unmeasured_instance_is_neither_favoured_nor_penalised():
    measured = Candidate("measured", order=1, loaded=True, slots=2, ttft_s=0.3)
    fresh = Candidate("fresh", order=0, loaded=True, slots=2)
    assert names(rank(0, [measured, fresh])) == ["fresh", "measured"]  # order decides
    assert names(rank(0, [measured, fresh], preferred="measured")) == ["measured", "fresh"]
