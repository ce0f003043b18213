"""What the pack adds to a streamed chat: the Pipelines server + the Code model vs. the backend.

Both paths stream the same scripted reply from the same Ollama simulator (the backend, in a
process of its own as a real Ollama is), one request at a time and with 32 at once: straight to
the simulator's ``/api/chat``, and through the real Pipelines server (``alphaomega serve``) as
Open WebUI calls it. Time to first token (first chunk with text) and total time are measured
on the client, a lean one (``lean_client``) so that with 32 streams the client's own work is
not what is timed.

The pack serves its models' streamed chats natively on the server's loop (``alphaomega.host``).
Two more paths put that in context: the same pack in a second server with ``ALPHAOMEGA_NATIVE=0``
(the stock routes: ``pipe`` in a worker thread, a thread hop per chunk), and a no-op manifold
uploaded into that stock server, which streams the same reply without any backend: the stock
server's own floor, which a plugin served by the stock routes cannot go below.

``server_cpu_ms_per_request`` is the CPU the server process spent per request on a path: the
32 requests of a round share one event loop, so the last first token of a round waits for
about 32 times the part of it spent before first tokens.

    python bench/overhead.py            # writes bench/results/overhead.json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
from lean_client import LeanClient, ndjson_token, sse_token

from alphaomega.testing import PipelinesServer
from alphaomega.testing.ollama_sim import OllamaSim
from alphaomega.testing.pipelines_server import process_cpu_seconds
from alphaomega.testing.sim_process import simulator_process

MODEL = "qwen2.5-coder:7b"
REPLY = " ".join(f"tok{i}" for i in range(24))
MESSAGES = [{"role": "user", "content": "Write a function that reverses a string."}]
SETTLE_S = 1.0
# The paths take turns this many times: a p95 over 32 streams hangs on a few slow rounds,
# which on a shared 2-core machine come and go.
ALTERNATIONS = 4
RESULTS = Path(__file__).resolve().parent / "results" / "overhead.json"
NOOP_PLUGIN = f'''"""
title: no-op
version: 1
description: the server's floor: streams a fixed reply with no backend
"""
class Pipeline:
    def __init__(self):
        self.type = "manifold"
        self.id = "noop"
        self.name = "No-op "

    def pipelines(self):
        return [{{"id": "{MODEL}", "name": "{MODEL}"}}]

    def pipe(self, user_message, model_id, messages, body):
        return (word + " " for word in {REPLY!r}.split())
'''


def make_sim() -> OllamaSim:
    return OllamaSim(
        models=[MODEL],
        vram="24GB",
        num_parallel=32,
        time_scale=0.05,
        replies=(),
        reply=lambda request: REPLY,
    )


async def direct(client: LeanClient) -> tuple[float, float]:
    body = {"model": MODEL, "messages": MESSAGES, "stream": True}
    return await client.stream("/api/chat", body, ndjson_token)


async def through_pack(client: LeanClient) -> tuple[float, float]:
    return await _through_server(client, f"alphaomega_code.{MODEL}")


async def server_floor(client: LeanClient) -> tuple[float, float]:
    return await _through_server(client, f"noop.{MODEL}")


def served_natively(pack_url: str, auth: dict[str, str]) -> bool:
    body = {"model": f"alphaomega_code.{MODEL}", "messages": MESSAGES, "stream": True}
    with httpx.stream(
        "POST", f"{pack_url}/v1/chat/completions", json=body, timeout=60, headers=auth
    ) as reply:
        reply.read()
        return reply.headers.get("x-alphaomega-path") == "native"


async def _through_server(client: LeanClient, model: str) -> tuple[float, float]:
    body = {"model": model, "messages": MESSAGES, "stream": True}
    return await client.stream("/v1/chat/completions", body, sse_token)


async def run_path(
    call, url: str, concurrency: int, rounds: int, auth: dict[str, str]
) -> dict[str, list[float]]:
    client = LeanClient(url, headers=auth)  # the servers ask every route for the key
    try:
        for _ in range(3):  # warm connections and the model
            await asyncio.gather(*(call(client) for _ in range(concurrency)))
        ttfts: list[float] = []
        totals: list[float] = []
        for _ in range(rounds):
            results = await asyncio.gather(*(call(client) for _ in range(concurrency)))
            for ttft, total in results:
                ttfts.append(ttft * 1000)
                totals.append(total * 1000)
    finally:
        client.close()
    return {"ttft_ms": ttfts, "total_ms": totals}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(samples: dict[str, list[float]]) -> dict[str, float]:
    return {
        f"{key}_{name}": round(value, 3)
        for key, values in samples.items()
        for name, value in (
            ("p50", pct(values, 50)),
            ("p95", pct(values, 95)),
            ("mean", statistics.fmean(values)),
        )
    } | {"samples": len(samples["ttft_ms"])}


async def measure(
    sim_url: str,
    pack_url: str,
    stock_url: str,
    rounds_1: int,
    rounds_32: int,
    pids: dict[str, int],
    auth: dict[str, str],
) -> dict:
    # The client's own full collections would walk this whole process (the servers' harness
    # included) in the middle of a timed round, whichever path it was: out of their reach.
    gc.freeze()
    report: dict = {}
    paths = {
        "direct": (direct, sim_url),
        "through_pack": (through_pack, pack_url),
        "through_pack_stock_routes": (through_pack, stock_url),
        "server_floor_no_backend": (server_floor, stock_url),
    }
    for concurrency, rounds in ((1, rounds_1), (32, rounds_32)):
        runs = {name: {"ttft_ms": [], "total_ms": []} for name in paths}
        cpu = dict.fromkeys(pids, 0.0)
        for _ in range(ALTERNATIONS):  # drift on the machine hits every path alike
            for name, (call, url) in paths.items():
                await asyncio.sleep(SETTLE_S)  # what the last path left running ends first
                before = process_cpu_seconds(pids[name]) if name in pids else 0.0
                part = await run_path(call, url, concurrency, rounds // ALTERNATIONS, auth)
                if name in pids:
                    cpu[name] += process_cpu_seconds(pids[name]) - before
                for key in runs[name]:
                    runs[name][key] += part[key]
        report[f"concurrency_{concurrency}"] = {name: summary(r) for name, r in runs.items()}
        for name, seconds in cpu.items():  # warm-up requests included: 3 rounds per run
            requests = ALTERNATIONS * (rounds // ALTERNATIONS + 3) * concurrency
            report[f"concurrency_{concurrency}"][name]["server_cpu_ms_per_request"] = round(
                seconds / requests * 1000, 3
            )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds-1", type=int, default=200, help="sequential requests per path")
    parser.add_argument("--rounds-32", type=int, default=48, help="rounds of 32 streams per path")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as data_dir,
        simulator_process(make_sim) as sim,
        PipelinesServer(Path(data_dir) / "native", env={"ALPHAOMEGA_FLEET": sim.url}) as server,
        PipelinesServer(
            Path(data_dir) / "stock", env={"ALPHAOMEGA_FLEET": sim.url, "ALPHAOMEGA_NATIVE": "0"}
        ) as stock,
    ):
        upload = stock.client.post(
            "/pipelines/upload",
            headers=stock.auth,
            files={"file": ("noop_floor.py", NOOP_PLUGIN.encode())},
        )
        upload.raise_for_status()
        native = served_natively(server.url, server.auth)
        if not native or served_natively(stock.url, stock.auth):
            raise SystemExit("the native path is not where it should be; see alphaomega.host")
        pids = {"through_pack": server.process.pid, "through_pack_stock_routes": stock.process.pid}
        assert server.auth == stock.auth, "one key for both servers"
        report = asyncio.run(
            measure(
                sim.url, server.url, stock.url, args.rounds_1, args.rounds_32, pids, server.auth
            )
        )

    one, many = report["concurrency_1"], report["concurrency_32"]
    report["added_ttft_ms_p50_1"] = round(
        one["through_pack"]["ttft_ms_p50"] - one["direct"]["ttft_ms_p50"], 3
    )
    report["added_ttft_ms_p95_32"] = round(
        many["through_pack"]["ttft_ms_p95"] - many["direct"]["ttft_ms_p95"], 3
    )
    report["added_total_ms_p50_1"] = round(
        one["through_pack"]["total_ms_p50"] - one["direct"]["total_ms_p50"], 3
    )
    report["added_ttft_ms_p50_1_stock_routes"] = round(
        one["through_pack_stock_routes"]["ttft_ms_p50"] - one["direct"]["ttft_ms_p50"], 3
    )
    report["added_ttft_ms_p95_32_stock_routes"] = round(
        many["through_pack_stock_routes"]["ttft_ms_p95"] - many["direct"]["ttft_ms_p95"], 3
    )
    report["server_floor_ttft_ms_p50_1"] = one["server_floor_no_backend"]["ttft_ms_p50"]
    report["server_floor_ttft_ms_p95_32"] = many["server_floor_no_backend"]["ttft_ms_p95"]
    report["pack_server_cpu_ms_per_request_32"] = many["through_pack"]["server_cpu_ms_per_request"]
    report["served_natively"] = native
    report["goals"] = {"added_ttft_ms_p50_1": 5.0, "added_ttft_ms_p95_32": 20.0}
    report["met"] = {key: report[key] <= limit for key, limit in report["goals"].items()}
    report["machine"] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    report["backend"] = (
        "alphaomega.testing.ollama_sim in its own process (time_scale 0.05, 24-token reply)"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    keys = [k for k in report if k.startswith(("added_", "server_floor_"))]
    print(json.dumps({k: report[k] for k in [*keys, "met"]}, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
