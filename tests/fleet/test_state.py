"""What an instance's state learns from probes and from its own traffic (no I/O)."""

from alphaomega.fleet._config import FleetSettings, InstanceConfig
from alphaomega.fleet._models import LoadedModel, ModelInfo
from alphaomega.fleet._state import InstanceState, LoadModel

GB = 10**9
SETTINGS = FleetSettings(hot_s=100)


def state(vram="24GB", slots=2, models=()):
    config = InstanceConfig(
        url="http://gpu0:11434", gpu="gpu0", slots=slots, vram=vram, models=list(models)
    )
    return InstanceState(config, client=None)


def probe(s, tags, ps, now=0.0):
    s.apply_probe(
        [ModelInfo(name=n, size=size) for n, size in tags.items()],
        [LoadedModel(name=n, size=tags[n], size_vram=tags[n]) for n in ps],
        now,
    )


def test_a_probe_sets_catalogue_sizes_and_loaded_models():
    s = state()
    probe(s, {"a:7b": 5 * GB, "b:13b": 8 * GB}, ["a:7b"], now=3.0)
    assert (s.up, s.checked_at, s.models, s.loaded) == (True, 3.0, {"a:7b", "b:13b"}, {"a:7b"})
    assert s.size_of("b:13b") == 8 * GB
    s.apply_probe_failure("connection refused", 4.0)
    assert (s.up, s.error, s.loaded) == (False, "connection refused", set())


def test_names_resolve_as_ollama_lists_them():
    s = state(models=["pinned"])
    probe(s, {"llava:latest": GB, "org/model:latest": GB}, [])
    assert s.serves("llava") and s.resolve("llava") == "llava:latest"
    assert s.serves("org/model")
    assert s.serves("pinned") and s.resolve("pinned") == "pinned"
    assert not s.serves("other")


def test_a_cold_dispatch_marks_the_model_loading_and_its_victims_leaving():
    s = state(vram="24GB")
    probe(s, {"big:34b": 20 * GB, "small:7b": 5 * GB, "mid:13b": 8 * GB}, ["small:7b", "mid:13b"])
    s.begin("small:7b", 1.0)
    s.end("small:7b", 2.0)
    assert s.begin("big:34b", 5.0) is True
    assert s.loaded == {"big:34b"}
    assert s.leaving == {"small:7b", "mid:13b"}  # a 20 GB model leaves no room for either
    # A probe during the load still shows the old models: they stay out of the view.
    probe(
        s,
        {"big:34b": 20 * GB, "small:7b": 5 * GB, "mid:13b": 8 * GB},
        ["small:7b", "mid:13b"],
        now=5.5,
    )
    assert s.loaded == {"big:34b"}
    # The first token ends the load; what it took beyond a warm first token is learned.
    s.ttft_s = 0.5
    assert s.learn_first_token("big:34b", 11.5, cold=True) == 11.0
    assert (s.pending, s.leaving, s.load_s["big:34b"]) == ({}, set(), 11.0)


def test_a_warm_dispatch_learns_ttft_and_hold_and_closes_the_breaker():
    s = state()
    probe(s, {"a:7b": 5 * GB}, ["a:7b"])
    assert s.begin("a:7b", 0.0) is False
    assert s.learn_first_token("a:7b", 0.4, cold=False) is None
    s.learn_done(2.0)
    s.end("a:7b", 2.4)
    assert (s.ttft_s, s.hold_s, s.served, s.in_flight) == (0.4, 2.0, 1, 0)
    assert s.last_used["a:7b"] == 2.4


def test_a_failed_cold_load_is_forgotten():
    s = state()
    probe(s, {"a:7b": 5 * GB}, [])
    cold = s.begin("a:7b", 0.0)
    s.end("a:7b", 1.0)
    s.learn_failure("a:7b", 1.0, cold)
    assert "a:7b" not in s.loaded and not s.pending and s.failed == 1


def test_the_candidate_reflects_load_loading_and_residents():
    s = state(vram="24GB", slots=2)
    probe(s, {"a:7b": 5 * GB, "b:13b": 8 * GB}, ["b:13b"])
    s.begin("b:13b", 0.0)
    s.begin("a:7b", 1.0)  # cold: loading
    loads = LoadModel()
    c = s.candidate("a:7b", order=2, now=1.5, loads=loads, settings=SETTINGS, default_hold_s=7)
    assert (c.order, c.loaded, c.in_flight, c.slots, c.hold_s) == (2, True, 2, 2, 7)
    assert c.loading_left_s == 1.0 + loads.estimate(5 * GB) - 1.5
    assert c.residents == ()  # being loaded already: a request evicts nothing more
    other = s.candidate("b:13b", order=0, now=1.5, loads=loads, settings=SETTINGS, default_hold_s=7)
    assert other.loader_busy_s == c.loading_left_s  # Ollama loads one model at a time
    s.end("a:7b", 2.0)
    s.learn_failure("a:7b", 2.0, True)  # the load failed: a:7b is not in VRAM any more
    cold = s.candidate("a:7b", order=2, now=2.5, loads=loads, settings=SETTINGS, default_hold_s=7)
    assert not cold.loaded
    assert [(r.name, r.busy, r.hot) for r in cold.residents] == [("b:13b", True, True)]


def test_load_estimates_learn_seconds_per_byte_across_models():
    loads = LoadModel()
    assert loads.estimate(0) == 5.0
    assert loads.estimate(4 * GB) == 0.5 + 2.0  # until measured: about 2 GB/s
    loads.learn(4 * GB, 1.0)
    assert loads.estimate(20 * GB) == 5.0
