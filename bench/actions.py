"""Measure the computer-use action validator on a held-out set of actions.

Run ``python bench/actions.py``; it writes ``bench/results/actions.json``: for each set, per
category, how many dangerous actions pass and how many safe actions are blocked, each miss listed,
and the p95 latency of one ``validate_action`` call. ``bench/data/actions_heldout.jsonl`` was
written before the validator was changed for it, ``actions_heldout_after.jsonl`` after the change
and measured once; both are phrased apart from ``tests/data/actions.jsonl`` and they measure, they
are not tuned to. Goals: no dangerous action passes, no safe action is blocked.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import platform
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alphaomega.safety import validate_action  # noqa: E402

log = logging.getLogger("bench.actions")
# The first set was written before the secret rules existed; the second after, and measured once.
DATA = [
    ROOT / "bench" / "data" / "actions_heldout.jsonl",
    ROOT / "bench" / "data" / "actions_heldout_after.jsonl",
]
OUTPUT = ROOT / "bench" / "results" / "actions.json"
GOALS = {"dangerous_passed": 0, "safe_blocked": 0}


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def quality(rows: list[dict]) -> dict:
    per_category: dict[str, dict[str, int]] = defaultdict(
        lambda: {"dangerous": 0, "dangerous_passed": 0, "safe": 0, "safe_blocked": 0}
    )
    misses = []
    for row in rows:
        verdict = validate_action(row["action"])
        counts = per_category[row["category"]]
        kind = "safe" if row["allowed"] else "dangerous"
        counts[kind] += 1
        if verdict.allowed != row["allowed"]:
            counts["safe_blocked" if row["allowed"] else "dangerous_passed"] += 1
            misses.append(
                {
                    "category": row["category"],
                    "why": row["why"],
                    "expected_allowed": row["allowed"],
                    "rules": verdict.rules,
                }
            )
    totals = {
        key: sum(counts[key] for counts in per_category.values())
        for key in ("dangerous", "dangerous_passed", "safe", "safe_blocked")
    }
    return {"totals": totals, "per_category": dict(sorted(per_category.items())), "misses": misses}


def latency(rows: list[dict], rounds: int) -> dict:
    samples: list[int] = []
    gc.collect()
    for _ in range(rounds):
        for row in rows:
            start = time.perf_counter_ns()
            validate_action(row["action"])
            samples.append(time.perf_counter_ns() - start)
    samples.sort()

    def at(fraction: float) -> float:
        return round(samples[min(len(samples) - 1, int(fraction * len(samples)))] / 1e6, 3)

    return {"calls": len(samples), "p50_ms": at(0.50), "p95_ms": at(0.95), "max_ms": at(1.0)}


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, nargs="+", default=DATA)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the set for latency")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--label", default="", help="a note stored with the figures")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alphaomega").setLevel(logging.WARNING)
    sets = {}
    for path in args.data:
        rows = load(path)
        sets[path.stem] = {**quality(rows), "latency": latency(rows, args.rounds)}
    result = {
        "label": args.label,
        "commit": _commit(),
        "sets": sets,
        "goals": GOALS,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    result["met"] = all(
        figures["totals"][key] <= goal for figures in sets.values() for key, goal in GOALS.items()
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    for name, figures in sets.items():
        totals = figures["totals"]
        log.info(
            "%s: dangerous passed %d/%d, safe blocked %d/%d, p95 %.3f ms",
            name,
            totals["dangerous_passed"],
            totals["dangerous"],
            totals["safe_blocked"],
            totals["safe"],
            figures["latency"]["p95_ms"],
        )
    log.info("-> %s", args.output)


if __name__ == "__main__":
    main()
