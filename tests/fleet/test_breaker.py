"""The circuit breaker: closed, open for a cool-down, one probe at a time when half-open."""

from alphaomega.fleet._breaker import CircuitBreaker


def test_opens_after_n_failures_in_a_row_only():
    breaker = CircuitBreaker(failures=3, cooldown_s=10)
    breaker.on_failure(0)
    breaker.on_failure(1)
    breaker.on_success()  # the streak is broken
    breaker.on_failure(2)
    breaker.on_failure(3)
    assert breaker.state(3) == "closed" and breaker.allows(3)
    breaker.on_failure(4)
    assert breaker.state(4) == "open" and not breaker.allows(13.9)


def test_half_open_lets_one_probe_through_and_its_success_closes_it():
    breaker = CircuitBreaker(failures=1, cooldown_s=10)
    breaker.on_failure(0)
    assert breaker.state(10) == "half-open" and breaker.allows(10)
    breaker.on_dispatch(10)
    assert not breaker.allows(10.5)  # the probe is out: nobody else
    breaker.on_success()
    assert breaker.state(11) == "closed" and breaker.allows(11)


def test_a_failed_probe_reopens_it_for_longer():
    breaker = CircuitBreaker(failures=1, cooldown_s=10)
    breaker.on_failure(0)
    breaker.on_dispatch(10)
    breaker.on_failure(12)
    assert breaker.state(12 + 19.9) == "open"
    assert breaker.state(12 + 20) == "half-open"
    now = 12.0
    for _ in range(10):  # each failed probe doubles the cool-down, up to a cap
        now += breaker.current_cooldown()
        breaker.on_dispatch(now)
        breaker.on_failure(now)
    assert breaker.current_cooldown() == 80
    breaker.on_failure(now + 1)  # a failure while open (not a probe) does not lengthen it
    assert breaker.current_cooldown() == 80 and breaker.reopened == 11


def test_an_abandoned_probe_frees_the_way_for_the_next():
    breaker = CircuitBreaker(failures=1, cooldown_s=1)
    breaker.on_failure(0)
    breaker.on_dispatch(2)
    assert not breaker.allows(2)
    breaker.on_abandon()
    assert breaker.allows(2)


def test_closed_dispatch_does_not_mark_a_probe():
    breaker = CircuitBreaker()
    breaker.on_dispatch(0)
    assert breaker.allows(0) and not breaker.probing
