"""The reply pipeline from backend deltas to what the Pipelines server sends."""

import asyncio

from alphaomega import chat
from alphaomega.errors import BackendUnavailable, ModelNotFound, StreamInterrupted
from alphaomega.fleet import ChatDelta, Usage


def scripted(*steps):
    """A stream factory that plays queued steps: a delta, an exception to raise, or a delay."""

    async def stream():
        for step in steps:
            if isinstance(step, float):
                await asyncio.sleep(step)
            elif isinstance(step, BaseException):
                raise step
            else:
                yield step

    return stream


DONE = ChatDelta(done=True, done_reason="stop", usage=Usage(prompt_tokens=5, completion_tokens=2))


async def events_of(factory, **kwargs):
    return [e async for e in chat.reply_events(factory, waiting_text="Loading m…", **kwargs)]


async def test_fast_reply_has_no_status_and_ends_with_usage():
    events = await events_of(scripted(ChatDelta(content="he"), ChatDelta(content="llo"), DONE))
    assert events == [chat.Text("he"), chat.Text("llo"), chat.Finish("stop", DONE.usage)]


async def test_slow_first_token_shows_then_clears_status():
    events = await events_of(scripted(0.2, ChatDelta(content="x"), DONE), status_after_s=0.02)
    assert events[0] == chat.Status("Loading m…")
    assert events[1] == chat.Status("Loading m…", done=True)
    assert events[2] == chat.Text("x")


async def test_backend_down_is_readable_text():
    events = await events_of(scripted(BackendUnavailable("refused", url="http://gpu0:11434")))
    text = "".join(e.text for e in events if isinstance(e, chat.Text))
    assert "http://gpu0:11434" in text and "not reachable" in text
    assert isinstance(events[-1], chat.Finish)


async def test_missing_model_lists_models_and_pull_line():
    error = ModelNotFound("codellama:13b", url="http://gpu0:11434", available=["llama3.1:8b"])
    events = await events_of(scripted(error))
    text = "".join(e.text for e in events if isinstance(e, chat.Text))
    assert "ollama pull codellama:13b" in text and "llama3.1:8b" in text


async def test_cut_stream_keeps_text_and_ends_with_a_note():
    cut = StreamInterrupted("peer closed", url="http://gpu0:11434", partial="par")
    events = await events_of(scripted(ChatDelta(content="par"), cut))
    texts = [e.text for e in events if isinstance(e, chat.Text)]
    assert texts[0] == "par"
    assert texts[1].startswith("\n\n⚠️") and "cut off" in texts[1]
    assert isinstance(events[-1], chat.Finish)


async def test_status_is_cleared_when_the_slow_start_fails():
    events = await events_of(scripted(0.1, BackendUnavailable("x", url="u")), status_after_s=0.01)
    assert events[:2] == [chat.Status("Loading m…"), chat.Status("Loading m…", done=True)]


async def test_a_bug_still_ends_the_reply():
    events = await events_of(scripted(ChatDelta(content="a"), KeyError("boom")))
    assert "internal error" in events[-2].text
    assert isinstance(events[-1], chat.Finish)


def test_collect_gives_one_completion():
    body = chat.collect(
        "m",
        chat.reply_events(
            scripted(ChatDelta(content="a"), ChatDelta(content="b"), DONE), waiting_text="w"
        ),
    )
    assert body["choices"][0]["message"]["content"] == "ab"
    assert body["usage"] == {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


# ---- a backend that goes quiet mid-reply ------------------------------------------------------


def closing(*steps, closed: list[str]):
    """``scripted``, recording when the backend's stream is closed."""
    play = scripted(*steps)

    async def stream():
        try:
            async for delta in play():
                yield delta
        finally:
            closed.append("closed")

    return stream


async def test_a_backend_that_stops_mid_reply_ends_it_with_the_text_and_a_note():
    closed: list[str] = []
    factory = closing(
        ChatDelta(content="par"), ChatDelta(content="tial"), 30.0, DONE, closed=closed
    )
    quiet = chat.QuietRule("codellama:13b", cut_after_s=0.2)
    events = await events_of(factory, quiet=quiet)
    still = chat.Status("Still waiting for codellama:13b…")
    assert events[:4] == [
        chat.Text("par"),
        chat.Text("tial"),
        still,
        chat.Status(still.description, done=True),
    ]
    note = events[4].text
    assert note.startswith("\n\n⚠️ The reply was cut off")
    assert "codellama:13b stopped answering" in note and "0.2 s" in note
    assert events[5:] == [chat.Finish()]
    assert closed == ["closed"], "the backend's stream is closed, not left hanging"


async def test_a_pause_shorter_than_the_limit_shows_the_status_then_goes_on():
    factory = scripted(ChatDelta(content="a"), 0.3, ChatDelta(content="b"), DONE)
    events = await events_of(factory, quiet=chat.QuietRule("m", cut_after_s=10.0 * 60))
    assert events == [chat.Text("a"), chat.Text("b"), chat.Finish("stop", DONE.usage)]

    gate = asyncio.Event()  # the backend sends "b" once the status is on screen

    async def paused():
        yield ChatDelta(content="a")
        await gate.wait()
        yield ChatDelta(content="b")
        yield DONE

    events = []
    async for event in chat.reply_events(
        paused, waiting_text="Loading m…", quiet=chat.QuietRule("m", cut_after_s=2.0)
    ):
        events.append(event)
        if event == chat.Status("Still waiting for m…"):
            gate.set()
    assert events == [
        chat.Text("a"),
        chat.Status("Still waiting for m…"),
        chat.Status("Still waiting for m…", done=True),
        chat.Text("b"),
        chat.Finish("stop", DONE.usage),
    ]


async def test_the_limit_does_not_apply_before_the_first_token():
    factory = scripted(0.3, ChatDelta(content="late"), DONE)
    events = await events_of(factory, status_after_s=0.01, quiet=chat.QuietRule("m", 0.05))
    assert events == [
        chat.Status("Loading m…"),
        chat.Status("Loading m…", done=True),
        chat.Text("late"),
        chat.Finish("stop", DONE.usage),
    ]


def test_the_status_comes_after_a_few_seconds_or_half_a_short_limit():
    assert chat.QuietRule("m").cut_after_s == chat.STALL_TIMEOUT_S == 60.0
    assert chat.QuietRule("m").status_after_s == chat.STILL_WAITING_AFTER_S
    assert chat.QuietRule("m", cut_after_s=2.0).status_after_s == 1.0
