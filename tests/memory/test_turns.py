"""The queue of turns to store and the reach of /forget into it (threads, no I/O)."""

from __future__ import annotations

import threading

from alphaomega.memory._turns import TurnQueue


def said(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": f"re: {text}"}]


def test_a_bounded_queue_refuses_past_its_size_and_after_close():
    queue = TurnQueue(2)
    assert [queue.put("ana", said(f"t{n}"), False) for n in range(3)] == [
        "queued",
        "queued",
        "full",
    ]
    queue.close(0.0)
    assert queue.put("ana", said("late"), False) == "closed"


def test_turns_come_out_in_order_and_the_queue_reports_idle():
    queue = TurnQueue(8)
    for n in range(3):
        queue.put("ana", said(f"t{n}"), n == 1)
    assert not queue.idle
    taken = []
    for _ in range(3):
        turn = queue.take()
        assert not queue.idle  # being written
        taken.append((turn.messages[0]["content"], turn.infer))
        queue.done()
    assert taken == [("t0", False), ("t1", True), ("t2", False)]
    assert queue.idle


def test_forget_drops_queued_turns_that_say_the_text_of_that_person_only():
    queue = TurnQueue(8)
    queue.put("ana", said("My dog is Rex"), False)
    queue.put("ana", said("I live in Porto"), False)
    queue.put("ben", said("My dog is Max"), False)
    queue.put(
        "ana",
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a dog!"}],
        False,
    )  # only the reply says it
    queue.forget("ana", "dog")
    left = []
    queue.close(60.0)
    while (turn := queue.take()) is not None:
        left.append((turn.user_id, turn.messages[0]["content"]))
        queue.done()
    assert left == [("ana", "I live in Porto"), ("ben", "My dog is Max"), ("ana", "hi")]


def test_forget_reaches_a_turn_already_taken_but_not_turns_told_after_it():
    queue = TurnQueue(8)
    queue.put("ana", said("My dog is Rex"), False)
    taken = queue.take()  # the writer has it, and waits for the lock a /forget holds
    queue.forget("ana", "")  # /forget all
    queue.put("ana", said("My dog is Bolt"), False)
    assert queue.forgotten(taken)
    queue.done()
    later = queue.take()
    assert not queue.forgotten(later)
    queue.done()
    queue.put("ana", said("My dog is Rex"), False)
    assert not queue.forgotten(queue.take())  # the marks went once everything was written


def test_take_waits_for_a_turn_and_close_releases_it():
    queue = TurnQueue(8)
    got = []
    waiter = threading.Thread(target=lambda: got.append(queue.take()))
    waiter.start()
    queue.put("ana", said("hello"), False)
    waiter.join(10)
    assert got and got[0].messages[0]["content"] == "hello"
    queue.done()
    waiter = threading.Thread(target=lambda: got.append(queue.take()))
    waiter.start()
    queue.close(0.0)
    waiter.join(10)
    assert not waiter.is_alive() and got[-1] is None


def test_past_the_drain_deadline_what_is_left_is_discarded():
    queue = TurnQueue(8)
    for n in range(3):
        queue.put("ana", said(f"t{n}"), False)
    queue.close(-1.0)  # already past
    assert queue.take() is None
    assert queue.discard() == 3
    assert queue.wait_closed(0.0)


def test_writers_take_one_turn_per_person_at_a_time_in_the_order_told():
    queue = TurnQueue(8)
    queue.put("ana", said("a1"), False)
    queue.put("ana", said("a2"), False)
    queue.put("ben", said("b1"), False)
    first = queue.take()
    second = queue.take()  # ana's next turn waits for a1: ben's comes first
    assert (first.messages[0]["content"], second.messages[0]["content"]) == ("a1", "b1")
    got = []
    waiter = threading.Thread(target=lambda: got.append(queue.take()))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive() and not got  # a2 may not be written beside a1
    queue.done(first)
    waiter.join(10)
    assert got and got[0].messages[0]["content"] == "a2"
    assert not queue.idle
    queue.done(second)
    queue.done(got[0])
    assert queue.idle
