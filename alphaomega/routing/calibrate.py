"""Calibrating the fast router's confidence on messages it was not trained on.

Trained and tested on the same exemplars, naive Bayes is sure of nearly everything, and a
confidence threshold (below which the model stage is asked) would never fire. Here every fifth
hand-written exemplar is held out in turn, the model is trained on the rest (templates
included), and the held-out exemplars' scores are collected. One temperature, the divisor of
the logits that makes those out-of-fold probabilities most likely, is then fitted and stored
in ``data/calibration.json``, which the router reads when it trains.

Run ``python -m alphaomega.routing.calibrate`` after changing exemplars, templates or features;
it rewrites the file (a few seconds).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path

from ._model import NaiveBayes, softmax
from ._templates import template_samples
from ._training import LABELS, TEMPLATE_WEIGHT, exemplars

FOLDS = 5
CALIBRATION_FILE = "calibration.json"
_SEARCH = (math.log(0.05), math.log(20.0))

Scored = tuple[list[float], int]  # logits, index of the true label


def out_of_fold(priors: dict[str, float], folds: int = FOLDS) -> list[Scored]:
    """Logits of every hand-written exemplar from a model that did not see it."""
    hand = exemplars()
    templates = [(text, label, TEMPLATE_WEIGHT) for text, label in template_samples()]
    index = {label: i for i, label in enumerate(LABELS)}
    scored: list[Scored] = []
    for fold in range(folds):
        train = [(t, label, 1.0) for j, (t, label) in enumerate(hand) if j % folds != fold]
        model = NaiveBayes(LABELS, priors=priors).fit(train + templates)
        scored.extend(
            (model.logits(t), index[label])
            for j, (t, label) in enumerate(hand)
            if j % folds == fold
        )
    return scored


def mean_nll(scored: Sequence[Scored], temperature: float) -> float:
    return -sum(
        math.log(max(softmax(logits, temperature)[truth], 1e-12)) for logits, truth in scored
    ) / len(scored)


def fit_temperature(scored: Sequence[Scored]) -> float:
    """The temperature with the lowest mean negative log-likelihood (golden-section search
    over its logarithm; the likelihood is unimodal in it)."""
    ratio = (math.sqrt(5) - 1) / 2
    low, high = _SEARCH
    for _ in range(60):
        a = high - ratio * (high - low)
        b = low + ratio * (high - low)
        if mean_nll(scored, math.exp(a)) <= mean_nll(scored, math.exp(b)):
            high = b
        else:
            low = a
    return math.exp((low + high) / 2)


def expected_calibration_error(scored: Sequence[Scored], temperature: float, bins: int = 10):
    totals = [[0, 0.0, 0] for _ in range(bins)]  # count, summed confidence, correct
    for logits, truth in scored:
        probabilities = softmax(logits, temperature)
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        slot = totals[min(bins - 1, int(probabilities[best] * bins))]
        slot[0] += 1
        slot[1] += probabilities[best]
        slot[2] += best == truth
    return sum(abs(conf - right) for _, conf, right in totals) / len(scored)


def calibration_report(priors: dict[str, float], folds: int = FOLDS) -> dict[str, float]:
    scored = out_of_fold(priors, folds)
    temperature = fit_temperature(scored)
    accuracy = sum(max(range(len(lg)), key=lg.__getitem__) == t for lg, t in scored) / len(scored)
    return {
        "temperature": round(temperature, 4),
        "folds": folds,
        "exemplars": len(scored),
        "out_of_fold_accuracy": round(accuracy, 4),
        "nll_uncalibrated": round(mean_nll(scored, 1.0), 4),
        "nll_calibrated": round(mean_nll(scored, temperature), 4),
        "ece_uncalibrated": round(expected_calibration_error(scored, 1.0), 4),
        "ece_calibrated": round(expected_calibration_error(scored, temperature), 4),
    }


def main() -> None:
    from ._classifier import PRIORS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).with_name("data") / CALIBRATION_FILE
    parser.add_argument("--output", type=Path, default=default)
    args = parser.parse_args()
    report = calibration_report(dict(PRIORS))
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))  # noqa: T201 - the command's output


if __name__ == "__main__":
    main()
