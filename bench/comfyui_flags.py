"""How well the Image model reads flags from a message, on a held-out set.

``bench/data/comfyui_flags_heldout.jsonl`` was written before the parser
(``alphaomega.comfyui.parse_message``) and never used to tune it: each line is a message, the
model family, and either what it must yield (prompt, negative, seed, steps, cfg, n, the snapped
width and height) or the part of the error that must name the bad flag. A case counts as right
only when every expected field matches. Run ``python bench/comfyui_flags.py``; it writes
``bench/results/comfyui_flags.json``.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alphaomega.comfyui import parse_message  # noqa: E402
from alphaomega.errors import InputError  # noqa: E402

HELDOUT = ROOT / "bench" / "data" / "comfyui_flags_heldout.jsonl"
OUTPUT = ROOT / "bench" / "results" / "comfyui_flags.json"
log = logging.getLogger("bench.comfyui_flags")


def judge(case: dict) -> str | None:
    """None when the parser got the case right, else what went wrong."""
    try:
        params = parse_message(case["text"])
    except InputError as exc:
        if "error" in case and case["error"] in str(exc):
            return None
        return f"error {exc}"
    if "error" in case:
        return "no error"
    width, height = params.size(case["family"])
    got = {
        "prompt": params.prompt,
        "negative": params.negative,
        "seed": params.seed,
        "steps": params.steps,
        "cfg": params.cfg,
        "n": params.n,
        "width": width,
        "height": height,
    }
    wrong = {k: got[k] for k, v in case["expect"].items() if got[k] != v}
    return f"got {wrong}" if wrong else None


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cases = [json.loads(line) for line in HELDOUT.read_text().splitlines() if line.strip()]
    misses = []
    for case in cases:
        problem = judge(case)
        if problem:
            misses.append({"text": case["text"], "problem": problem})
    result = {
        "cases": len(cases),
        "errors_expected": sum("error" in c for c in cases),
        "accuracy": round(1 - len(misses) / len(cases), 4),
        "misses": misses,
    }
    OUTPUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log.info("%s", json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
