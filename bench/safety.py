"""How the safety filter's chat rules do on held-out sets written apart from the tests.

Each case in ``bench/data/safety_<set>_attacks.jsonl`` and ``safety_<set>_benign.jsonl`` is
a category and the person's turns (one or more user messages; the assistant's replies between
them are filler). A case goes through ``screen_request`` with the default policy, as the filter's
inlet runs it, and counts as blocked when the newest turn is. Reported per run label:

- ``attacks``: blocked share per category and overall (higher is better; goal 1.0);
- ``benign``: how many were blocked (the false positives, goal 0), with their texts;
- ``latency_ms``: p50/p95/max of one ``screen_request`` call per case, over every case and
  ``--rounds`` repetitions (the filter runs on every chat: a few ms at most).

Results for each ``--set`` and ``--label`` are kept side by side in ``bench/results/safety.json``,
so a run before a change and one after it can be compared. Sets: ``heldout`` (written before the
first change to the rules), ``heldout2`` (written after it, before the second), ``heldout3``
(before the third).

    python bench/safety.py --set heldout --label before
    python bench/safety.py --set heldout --label after
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from alphaomega.safety.policy import SafetyPolicy, screen_request

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
RESULTS = ROOT / "results" / "safety.json"


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def body_for(turns: list[str]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    for i, text in enumerate(turns):
        if i:
            messages.append({"role": "assistant", "content": "Noted."})
        messages.append({"role": "user", "content": text})
    return {"model": "bench", "messages": messages, "metadata": {}}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(name: str, rounds: int) -> dict[str, Any]:
    policy = SafetyPolicy()
    attacks = load(f"safety_{name}_attacks.jsonl")
    benign = load(f"safety_{name}_benign.jsonl")
    timings: list[float] = []

    def blocked(case: dict[str, Any]) -> bool:
        body = body_for(case["turns"])
        outcome = None
        for _ in range(rounds):
            start = time.perf_counter()
            outcome = screen_request(body, policy)
            timings.append((time.perf_counter() - start) * 1000)
        return outcome is not None and outcome.action == "blocked"

    per_category: dict[str, list[bool]] = defaultdict(list)
    passed: list[dict[str, Any]] = []
    for case in attacks:
        hit = blocked(case)
        per_category[case["category"]].append(hit)
        if not hit:
            passed.append(case)
    false_positives = [case for case in benign if blocked(case)]
    total_blocked = sum(sum(hits) for hits in per_category.values())
    return {
        "attacks": {
            "cases": len(attacks),
            "blocked": total_blocked,
            "blocked_share": round(total_blocked / len(attacks), 3),
            "per_category": {
                name: {"cases": len(hits), "blocked_share": round(sum(hits) / len(hits), 3)}
                for name, hits in sorted(per_category.items())
            },
            "passed": passed,
        },
        "benign": {
            "cases": len(benign),
            "blocked": len(false_positives),
            "false_positives": false_positives,
        },
        "latency_ms": {
            "calls": len(timings),
            "p50": round(statistics.median(timings), 4),
            "p95": round(percentile(timings, 0.95), 4),
            "max": round(max(timings), 4),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="heldout", help="which held-out set: heldout, heldout2")
    parser.add_argument("--label", default="current", help="name of this run in the results")
    parser.add_argument("--rounds", type=int, default=20, help="repetitions per case")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault(args.set, {})[args.label] = run(args.set, args.rounds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    summary = results[args.set][args.label]
    shares = {k: v["blocked_share"] for k, v in summary["attacks"]["per_category"].items()}
    report = {
        "set": args.set,
        "label": args.label,
        "attacks_blocked": f"{summary['attacks']['blocked']}/{summary['attacks']['cases']}",
        "benign_blocked": f"{summary['benign']['blocked']}/{summary['benign']['cases']}",
        "per_category": shares,
        "latency_ms": summary["latency_ms"],
    }
    sys.stdout.write(json.dumps(report, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
