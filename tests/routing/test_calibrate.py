"""The confidence means something on messages the model was not trained on."""

from __future__ import annotations

import pytest

from alphaomega.routing._classifier import CALIBRATION_FILE, PRIORS, trained_model
from alphaomega.routing._datafiles import load_json
from alphaomega.routing._model import softmax
from alphaomega.routing.calibrate import (
    calibration_report,
    expected_calibration_error,
    fit_temperature,
    out_of_fold,
)

# The Auto model's default: below it the model stage is asked.
FALLBACK_THRESHOLD = 0.7


@pytest.fixture(scope="module")
def held_aside():
    """Every hand-written exemplar scored by a model trained without it (five folds)."""
    return out_of_fold(dict(PRIORS))


def decisions(scored, temperature):
    for logits, truth in scored:
        probabilities = softmax(logits, temperature)
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        yield probabilities[best], best == truth


def test_wrong_decisions_on_a_held_aside_slice_are_mostly_below_the_threshold(held_aside):
    temperature = load_json(CALIBRATION_FILE)["temperature"]
    made = list(decisions(held_aside, temperature))
    wrong = [confidence for confidence, right in made if not right]
    kept = [right for confidence, right in made if confidence >= FALLBACK_THRESHOLD]
    assert len(wrong) > 20  # a slice the model finds hard, or the check says nothing
    assert sum(c < FALLBACK_THRESHOLD for c in wrong) / len(wrong) > 0.55
    assert sum(kept) / len(kept) > 0.9


def test_stated_confidence_matches_accuracy_on_the_held_aside_slice(held_aside):
    temperature = load_json(CALIBRATION_FILE)["temperature"]
    assert expected_calibration_error(held_aside, temperature) < 0.05


def test_the_stored_temperature_is_the_one_the_exemplars_give(held_aside):
    stored = load_json(CALIBRATION_FILE)
    assert fit_temperature(held_aside) == pytest.approx(stored["temperature"], abs=0.02)
    assert trained_model().calibration == stored["temperature"]


def test_fit_temperature_spreads_an_overconfident_model():
    # Logits ten times too sharp for how often they are right: the fit divides them back.
    scored = [([10.0, 0.0], 0)] * 7 + [([10.0, 0.0], 1)] * 3
    temperature = fit_temperature(scored)
    assert softmax([10.0, 0.0], temperature)[0] == pytest.approx(0.7, abs=0.01)


def test_calibration_report_fields():
    report = calibration_report(dict(PRIORS), folds=2)
    assert report["folds"] == 2 and report["exemplars"] > 1000
    assert report["temperature"] > 0 and report["nll_calibrated"] <= report["nll_uncalibrated"]
