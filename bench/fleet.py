"""Fleet scheduling benchmark: the pack's scheduler against Open WebUI's pick and round robin.

Three simulated GPUs (``OllamaSim``, real HTTP), five models whose sizes add up to almost twice
one GPU's memory, Poisson arrivals at about 80 % of the fleet's capacity. The same arrival trace
is replayed once per policy, each against fresh simulators (nothing loaded at the start):

- ``alphaomega``: the real ``alphaomega.fleet.Fleet`` (warm preference, slots, VRAM, TTFT).
- ``openwebui``: Open WebUI 0.12's choice for several Ollama URLs, ``random.choice`` among the
  instances whose ``/api/tags`` lists the model (``routers/ollama.py``), no failover.
- ``round_robin``: per model, the next instance listing it, in turn.

Every duration below is in simulated seconds; the simulators run ``TIME_SCALE`` times faster.

Capacity: every slot of the fleet busy with warm replies, i.e. ``slots x GPUs / mean warm
service time``. Ideal: each request answered warm the moment it arrives (no queue, no load), so
it ends at ``arrival + warm service``; ideal throughput = requests / (last such end - first
arrival). A policy's throughput = requests answered / (last answer - first arrival).

Run: ``python bench/fleet.py``; writes ``bench/results/fleet.json`` and ``fleet.png``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from alphaomega import runtime
from alphaomega.errors import AlphaOmegaError
from alphaomega.fleet import ChatMessage, ChatRequest, Fleet, OllamaClient, parse_fleet
from alphaomega.testing.ollama_sim import CATALOG, OllamaSim, SimModel, SimRequest

log = logging.getLogger("bench.fleet")

SEED = 20240611
TIME_SCALE = 0.2
DURATION_S = 240.0  # arrivals during this many simulated seconds
GPUS = 3
SLOTS = 4
VRAM = "24GB"
LOAD_FACTOR = 0.8
TOKENS = (20, 60)  # reply length, uniform
TIMEOUT_S = 120.0  # a request not answered by then is given up (failed)
# (model, share of requests): llava alone nearly fills a GPU; all five need 45 GB.
MIX = [
    ("qwen2.5-coder:7b", 0.26),
    ("llama3.1:8b", 0.22),
    ("codellama:13b", 0.17),
    ("llama3.2-vision:11b", 0.15),
    ("llava:34b", 0.20),
]
# Decode speeds lowered from the catalog's so a reply is a few seconds with few tokens: the
# simulators and the clients share this machine's CPU, and fewer lines keep timings honest.
SPEED = {
    "qwen2.5-coder:7b": 18,
    "llama3.1:8b": 16,
    "codellama:13b": 12,
    "llama3.2-vision:11b": 11,
    "llava:34b": 8,
}
RESULTS = Path(__file__).resolve().parent / "results"
_LENGTH = re.compile(r"reply with (\d+) words")


def sim_models() -> list[SimModel]:
    return [CATALOG[name].model_copy(update={"tokens_per_second": SPEED[name]}) for name, _ in MIX]


def reply(request: SimRequest) -> str:
    match = _LENGTH.search(request.prompt)
    words = int(match.group(1)) if match else 10
    return " ".join(f"w{i}" for i in range(words))


@dataclass(frozen=True)
class Job:
    index: int
    arrival: float
    model: str
    words: int

    @property
    def prompt(self) -> str:
        return f"request {self.index}: reply with {self.words} words"

    def warm_service(self, models: dict[str, SimModel]) -> float:
        model = models[self.model]
        prompt_tokens = len(self.prompt.split())
        return prompt_tokens / model.prompt_tokens_per_second + self.words / model.tokens_per_second


@dataclass
class Outcome:
    job: Job
    ok: bool
    latency: float  # arrival to last token, simulated seconds
    ttft: float | None
    finished_at: float
    instance: str = ""
    error: str = ""


def workload(models: dict[str, SimModel]) -> tuple[list[Job], float]:
    """A seeded Poisson trace at LOAD_FACTOR of capacity; returns it and the arrival rate."""
    rng = random.Random(SEED)
    names, weights = zip(*MIX, strict=True)
    mean_words = sum(TOKENS) / 2
    mean_service = sum(w * (mean_words / models[n].tokens_per_second) for n, w in MIX)
    rate = LOAD_FACTOR * GPUS * SLOTS / mean_service
    jobs, clock = [], 0.0
    while True:
        clock += rng.expovariate(rate)
        if clock > DURATION_S:
            return jobs, rate
        model = rng.choices(names, weights)[0]
        jobs.append(Job(len(jobs), clock, model, rng.randint(*TOKENS)))


# -- policies: each streams one request and says which instance answered ------------------------


class PackPolicy:
    name = "alphaomega"

    def __init__(self, sims: list[OllamaSim]) -> None:
        spec = ",".join(f"gpu{i}={s.url};slots={SLOTS};vram={VRAM}" for i, s in enumerate(sims))
        options = ";".join(
            f"{k}={v * TIME_SCALE:g}"
            for k, v in {
                "refresh_s": 2.5,
                "hot_s": 300,
                "default_hold_s": 5,
                "first_token_timeout_s": 180,
                "deadline_s": TIMEOUT_S,
                "breaker_cooldown_s": 10,
                "probe_timeout_s": 15,
            }.items()
        )
        self.fleet = Fleet(parse_fleet(spec, options))
        self.names = {s.url: f"gpu{i}" for i, s in enumerate(sims)}

    async def prepare(self) -> None:
        await self.fleet.refresh()

    async def stream(self, request: ChatRequest, first: asyncio.Event) -> str:
        async for delta in self.fleet.chat(request):
            if delta.content:
                first.set()
        return ""

    def close(self) -> None:
        self.fleet.close()


class ListingPolicy:
    """Picks among the instances whose /api/tags lists the model, with no failover."""

    name = "listing"

    def __init__(self, sims: list[OllamaSim]) -> None:
        self.clients = [OllamaClient(s.url) for s in sims]
        self.serving: dict[str, list[int]] = {}

    async def prepare(self) -> None:
        listings = await asyncio.gather(*(c.tags() for c in self.clients))
        for index, models in enumerate(listings):
            for model in models:
                self.serving.setdefault(model.name, []).append(index)

    def pick(self, model: str) -> int:
        raise NotImplementedError

    async def stream(self, request: ChatRequest, first: asyncio.Event) -> str:
        index = self.pick(request.model)
        async for delta in self.clients[index].chat(request):
            if delta.content:
                first.set()
        return f"gpu{index}"

    def close(self) -> None:
        pass


class OpenWebUIPolicy(ListingPolicy):
    name = "openwebui"

    def __init__(self, sims: list[OllamaSim]) -> None:
        super().__init__(sims)
        self.rng = random.Random(SEED + 1)

    def pick(self, model: str) -> int:
        # Open WebUI: url_idx = random.choice(models[model]["urls"])
        return self.rng.choice(self.serving[model])


class RoundRobinPolicy(ListingPolicy):
    name = "round_robin"

    def __init__(self, sims: list[OllamaSim]) -> None:
        super().__init__(sims)
        self.turn: dict[str, int] = {}

    def pick(self, model: str) -> int:
        turn = self.turn.get(model, 0)
        self.turn[model] = turn + 1
        urls = self.serving[model]
        return urls[turn % len(urls)]


# -- running one policy ------------------------------------------------------------------------


async def run_jobs(policy, jobs: list[Job]) -> list[Outcome]:
    await policy.prepare()
    start = time.monotonic()

    async def one(job: Job) -> Outcome:
        # Latency counts from the scheduled arrival, so a late start is the policy's cost too.
        arrived = start + job.arrival * TIME_SCALE
        await asyncio.sleep(max(arrived - time.monotonic(), 0.0))
        request = ChatRequest(
            model=job.model, messages=[ChatMessage(role="user", content=job.prompt)]
        )
        first = asyncio.Event()
        first_at: list[float] = []

        async def watch_first() -> None:
            await first.wait()
            first_at.append(time.monotonic())

        watcher = asyncio.ensure_future(watch_first())
        ok, error, instance = True, "", ""
        try:
            async with asyncio.timeout(arrived + TIMEOUT_S * TIME_SCALE - time.monotonic()):
                instance = await policy.stream(request, first)
        except (AlphaOmegaError, TimeoutError) as exc:
            ok, error = False, f"{exc.__class__.__name__}: {exc}"
        finally:
            watcher.cancel()
        done = time.monotonic()
        ttft = (first_at[0] - arrived) / TIME_SCALE if first_at else None
        return Outcome(
            job,
            ok,
            (done - arrived) / TIME_SCALE,
            ttft,
            (done - start) / TIME_SCALE,
            instance,
            error,
        )

    return list(await asyncio.gather(*(one(job) for job in jobs)))


def run_policy(policy_class, jobs: list[Job]) -> tuple[list[Outcome], dict]:
    sims = [
        OllamaSim(
            models=sim_models(), vram=VRAM, num_parallel=SLOTS, time_scale=TIME_SCALE, reply=reply
        ).start()
        for _ in range(GPUS)
    ]
    policy = policy_class(sims)
    try:
        began = time.monotonic()
        outcomes = runtime.call(run_jobs(policy, jobs))
        log.info("%s: %.0f s of wall time", policy.name, time.monotonic() - began)
        stats = [sim.stats() for sim in sims]
    finally:
        policy.close()
        for sim in sims:
            sim.stop()
    per_gpu = {
        f"gpu{i}": {
            "served_by_model": s.served_by_model,
            "cold_loads": s.cold_loads,
            "evictions": s.evictions,
            "max_in_flight": s.max_in_flight,
        }
        for i, s in enumerate(stats)
    }
    cold = sum(sum(s.cold_loads.values()) for s in stats)
    return outcomes, {"cold_loads": cold, "per_gpu": per_gpu}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(outcomes: list[Outcome], extra: dict, ideal_throughput: float) -> dict:
    good = [o for o in outcomes if o.ok]
    first = min(o.job.arrival for o in outcomes)
    makespan = max(o.finished_at for o in good) - first if good else float("inf")
    throughput = len(good) / makespan
    latencies = [o.latency for o in good]
    # A failed request counts as TIMEOUT_S: the wait after which a person gives up, a lower
    # bound of its latency. Leaving failures out would reward a policy for failing.
    every = [o.latency if o.ok else max(o.latency, TIMEOUT_S) for o in outcomes]
    ttfts = [o.ttft for o in good if o.ttft is not None]
    errors: dict[str, int] = {}
    for o in outcomes:
        if not o.ok:
            kind = o.error.split(":")[0]
            errors[kind] = errors.get(kind, 0) + 1
    return {
        "requests": len(outcomes),
        "answered": len(good),
        "failures": len(outcomes) - len(good),
        "failure_kinds": errors,
        "throughput_rps": round(throughput, 4),
        "throughput_vs_ideal": round(throughput / ideal_throughput, 4),
        "latency_p50_s": round(percentile(every, 50), 3),
        "latency_p95_s": round(percentile(every, 95), 3),
        "latency_p99_s": round(percentile(every, 99), 3),
        "latency_mean_s": round(sum(every) / len(every), 3),
        "answered_latency_p50_s": round(percentile(latencies, 50), 3),
        "answered_latency_p95_s": round(percentile(latencies, 95), 3),
        "ttft_p50_s": round(percentile(ttfts, 50), 3),
        "ttft_p95_s": round(percentile(ttfts, 95), 3),
        **extra,
    }


def chart(samples: dict[str, list[float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, values in samples.items():
        ordered = sorted(values)
        fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
        left.plot(ordered, fractions, label=name)
    left.set_xscale("log")
    left.set_xlabel("latency, arrival to last token (simulated s, log; failed = timeout)")
    left.set_ylabel("fraction of requests")
    left.set_title("Latency CDF")
    left.axhline(0.95, color="grey", linewidth=0.5, linestyle=":")
    left.legend()
    right.boxplot(list(samples.values()), tick_labels=list(samples), whis=(5, 95), showfliers=False)
    right.set_yscale("log")
    right.set_ylabel("latency (simulated s, log)")
    right.set_title("p5 / p25 / p50 / p75 / p95")
    fig.suptitle(
        f"{GPUS} simulated GPUs x {SLOTS} slots, {len(MIX)} models, "
        f"Poisson arrivals at {LOAD_FACTOR:.0%} of capacity"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    models = {m.name: m for m in sim_models()}
    jobs, rate = workload(models)
    ideal_end = max(j.arrival + j.warm_service(models) for j in jobs)
    ideal_throughput = len(jobs) / (ideal_end - min(j.arrival for j in jobs))
    log.info(
        "%d requests over %.0f simulated s (%.2f/s), time scale %g",
        len(jobs),
        DURATION_S,
        rate,
        TIME_SCALE,
    )
    policies = {}
    samples = {}
    for policy_class in (PackPolicy, OpenWebUIPolicy, RoundRobinPolicy):
        outcomes, extra = run_policy(policy_class, jobs)
        summary = summarize(outcomes, extra, ideal_throughput)
        policies[policy_class.name] = summary
        samples[policy_class.name] = [o.latency if o.ok else TIMEOUT_S for o in outcomes]
        log.info("%s: %s", policy_class.name, {k: v for k, v in summary.items() if k != "per_gpu"})
    pack, owu = policies["alphaomega"], policies["openwebui"]
    result = {
        "setup": {
            "gpus": GPUS,
            "slots_per_gpu": SLOTS,
            "vram_per_gpu": VRAM,
            "models": {
                m.name: {
                    "size_bytes": m.size,
                    "load_s": m.load_seconds,
                    "tokens_per_second": m.tokens_per_second,
                    "share": share,
                }
                for (name, share), m in zip(MIX, models.values(), strict=True)
            },
            "reply_words": list(TOKENS),
            "arrival_rate_per_s": round(rate, 4),
            "load_factor": LOAD_FACTOR,
            "duration_s": DURATION_S,
            "time_scale": TIME_SCALE,
            "requests": len(jobs),
            "timeout_s": TIMEOUT_S,
            "seed": SEED,
            "latency": "arrival to last token; a failed request counts as timeout_s",
            "units": "simulated seconds",
            "ideal": "every request answered warm the moment it arrives: ends at arrival + warm "
            "service time; ideal throughput = requests / (last such end - first arrival)",
            "ideal_throughput_rps": round(ideal_throughput, 4),
        },
        "policies": policies,
        "p95_ratio_vs_openwebui": round(pack["latency_p95_s"] / owu["latency_p95_s"], 4),
        "throughput_vs_ideal": pack["throughput_vs_ideal"],
        "goals": {"p95_ratio_vs_openwebui_max": 0.5, "throughput_vs_ideal_min": 0.95},
    }
    result["goals_met"] = (
        result["p95_ratio_vs_openwebui"] <= 0.5 and result["throughput_vs_ideal"] >= 0.95
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fleet.json").write_text(json.dumps(result, indent=2) + "\n")
    chart(samples, RESULTS / "fleet.png")
    log.info(
        "p95 vs Open WebUI: %.3f, throughput vs ideal: %.3f -> %s",
        result["p95_ratio_vs_openwebui"],
        result["throughput_vs_ideal"],
        "goals met" if result["goals_met"] else "goals NOT met",
    )
    runtime.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
