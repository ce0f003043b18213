"""Measure the valve guard on a held-out set of valves updates.

Run ``python bench/valve_guard.py``; it writes ``bench/results/valve_guard.json``. Each case of
``bench/data/valve_guard_heldout.jsonl`` is an update of a real plugin's valves (the current
values, the changed ones, the ones left out of the form) and the verdict expected of the guard:
``refuse`` (answered 400, nothing changes), ``warn`` (logged at WARNING) or ``pass``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alphaomega.valve_guard import check_valves_update  # noqa: E402

DATA = ROOT / "bench" / "data" / "valve_guard_heldout.jsonl"
OUTPUT = ROOT / "bench" / "results" / "valve_guard.json"
PLUGINS = {
    "langfuse": ("alphaomega_langfuse", ROOT / "filters" / "langfuse_filter.py"),
    "memory": ("alphaomega_memory", ROOT / "filters" / "memory_filter.py"),
}


def valves_class(path: Path) -> type:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Pipeline.Valves


def verdict_of(case: dict, classes: dict[str, type]) -> str:
    plugin_id, _ = PLUGINS[case["plugin"]]
    current = classes[case["plugin"]](**case["current"])
    update = {**current.model_dump(), **case["changes"]}
    for name in case["omit"]:
        update.pop(name, None)
    verdict = check_valves_update(plugin_id, current, update)
    if verdict.refusal:
        return "refuse"
    return "warn" if verdict.warnings else "pass"


def main() -> None:
    os.environ["ALPHAOMEGA_SECRETS_DIR"] = tempfile.mkdtemp(prefix="valve-guard-bench-")
    for name in ("LANGFUSE_BASE_URL", "LANGFUSE_HOST", "ALPHAOMEGA_QDRANT_URL"):
        os.environ.pop(name, None)
    classes = {key: valves_class(path) for key, (_, path) in PLUGINS.items()}
    cases = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    confusion: Counter[str] = Counter()
    misses = []
    for case in cases:
        got = verdict_of(case, classes)
        confusion[f"{case['expect']}->{got}"] += 1
        if got != case["expect"]:
            misses.append({"why": case["why"], "expected": case["expect"], "got": got})
    correct = sum(n for key, n in confusion.items() if key.split("->")[0] == key.split("->")[1])
    refusals = [c for c in cases if c["expect"] == "refuse"]
    report = {
        "cases": len(cases),
        "correct": correct,
        "accuracy": round(correct / len(cases), 3),
        "refusals_expected": len(refusals),
        "refusals_caught": confusion["refuse->refuse"],
        "confusion": dict(sorted(confusion.items())),
        "misses": misses,
    }
    OUTPUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    json.dump({k: v for k, v in report.items() if k != "misses"}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
