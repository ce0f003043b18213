"""The fleet through the real Pipelines server: three simulated Ollama GPUs and one
OpenAI-compatible instance behind the Code model (``alphaomega_code.<model>``), driven the way
Open WebUI drives it.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from alphaomega.testing import PipelinesServer, streamed_text
from alphaomega.testing.ollama_sim import OllamaSim, model_from_spec

from .fleet_sims import settled, warm, words_reply

TIME_SCALE = 0.05
SLOTS = 2
CUT_NOTE = "⚠️ The reply was cut off"
ALL_GPUS = ["many:7b", "busy:7b", "warmy:7b", "back:7b"]


def sim_model(name, tokens_per_second=4.0):
    return model_from_spec(f"{name}=5GB").model_copy(
        update={"tokens_per_second": tokens_per_second, "load_seconds": 3.0}
    )


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    catalogues = [ALL_GPUS, [*ALL_GPUS, "only1:7b"], ALL_GPUS, ["oai:7b"]]
    sims = [
        OllamaSim(
            models=[sim_model(n) for n in names],
            vram="24GB",
            num_parallel=SLOTS,
            time_scale=TIME_SCALE,
            reply=words_reply,
        ).start()
        for names in catalogues
    ]
    fleet = ", ".join(
        [f"gpu{i}={sim.url};slots={SLOTS};vram=24GB" for i, sim in enumerate(sims[:3])]
        + [f"vllm=openai+{sims[3].url};slots={SLOTS}"]
    )
    env = {
        "ALPHAOMEGA_FLEET": fleet,
        "ALPHAOMEGA_FLEET_OPTIONS": "refresh_s=0.2;probe_timeout_s=1;breaker_cooldown_s=1;"
        "first_token_timeout_s=20;default_hold_s=10",
    }
    try:
        with PipelinesServer(tmp_path_factory.mktemp("fleet-pipelines"), env=env) as server:
            every = [*ALL_GPUS, "only1:7b", "oai:7b"]
            answer = server.client.post(
                "/alphaomega_code/valves/update",
                headers=server.auth,
                json={"models": every, "system_prompt": ""},
            )
            answer.raise_for_status()
            assert {m["id"] for m in server.models()} >= {f"alphaomega_code.{m}" for m in every}
            yield server, sims
    finally:
        for sim in sims:
            sim.stop()


def ask(server, model, words=3):
    payloads = server.stream(
        f"alphaomega_code.{model}", [{"role": "user", "content": f"reply with {words} words"}]
    )
    return streamed_text(payloads)


def ask_all(server, model, count, words):
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: ask(server, model, words), range(count)))


def served(sims, model):
    return [settled(sim).served_by_model.get(model, 0) for sim in sims]


def complete(text, words):
    return text.split() == [f"w{i}" for i in range(words)]


def test_a_model_goes_where_it_is(rig):
    server, sims = rig
    assert complete(ask(server, "only1:7b"), 3)
    assert served(sims, "only1:7b") == [0, 1, 0, 0]


def test_the_gpu_with_the_model_loaded_is_preferred(rig):
    server, sims = rig
    warm(sims[2], "warmy:7b")  # another client loaded it on gpu2
    time.sleep(0.6)  # the pack's background refresh reads /api/ps
    for _ in range(3):
        assert complete(ask(server, "warmy:7b"), 3)
    assert served(sims, "warmy:7b") == [0, 0, 4, 0]
    assert [settled(s).cold_loads.get("warmy:7b", 0) for s in sims] == [0, 0, 1, 0]


def test_saturated_slots_spread_the_load(rig):
    server, sims = rig
    for sim in sims[:3]:
        warm(sim, "busy:7b")
    time.sleep(0.6)
    before = served(sims, "busy:7b")
    replies = ask_all(server, "busy:7b", 3 * SLOTS, words=12)
    assert all(complete(text, 12) for text in replies)
    after = served(sims, "busy:7b")
    assert [a - b for a, b in zip(after, before, strict=True)] == [SLOTS, SLOTS, SLOTS, 0]


def test_an_openai_kind_instance_serves_through_the_same_path(rig):
    server, sims = rig
    assert complete(ask(server, "oai:7b", 5), 5)
    assert served(sims, "oai:7b") == [0, 0, 0, 1]


def test_a_killed_gpu_loses_no_request_that_had_not_started_and_comes_back(rig):
    server, sims = rig
    words = 16  # 4 simulated s at 4 tokens/s: 0.2 s of wall time each
    for sim in sims[:3]:
        warm(sim, "many:7b")
    time.sleep(0.6)
    count = 4 * 3 * SLOTS  # two streams per slot: half of them wait in the GPUs' queues
    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(ask, server, "many:7b", words) for _ in range(count)]
        deadline = time.monotonic() + 10
        while sims[0].stats().queued == 0 or sims[0].stats().in_flight < SLOTS:
            assert time.monotonic() < deadline, "gpu0 never got busy"
            time.sleep(0.01)
        time.sleep(0.1)  # its first streams are now mid-way (each lasts 0.2 s)
        sims[0].stop()
        replies = [f.result(timeout=60) for f in futures]
    cut = [text for text in replies if CUT_NOTE in text]
    whole = [text for text in replies if CUT_NOTE not in text]
    assert 1 <= len(cut) <= SLOTS  # only what gpu0 was streaming at the kill
    assert all(complete(text, words) for text in whole)
    assert all(
        text.split(CUT_NOTE)[0].split()
        == [f"w{i}" for i in range(len(text.split(CUT_NOTE)[0].split()))]
        for text in cut
    )  # the part that came, then the note
    assert len(whole) == count - len(cut)  # every request that had not started: served elsewhere

    sims[0].start()  # back, with nothing loaded
    time.sleep(1.5)  # the probe sees it up; the breaker's cool-down ends
    before = served(sims, "back:7b")
    replies = ask_all(server, "back:7b", 3 * SLOTS, words=12)
    assert all(complete(text, 12) for text in replies)
    after = served(sims, "back:7b")
    assert after[0] > before[0]  # gpu0 takes its share again
