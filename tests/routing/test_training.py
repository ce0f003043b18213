"""The router's training data lives in data files and is read as such."""

from __future__ import annotations

from collections import Counter

from alphaomega.routing._datafiles import load_json
from alphaomega.routing._training import (
    EXEMPLAR_FILES,
    LABELS,
    SUBLABELS,
    exemplars,
    training_samples,
)


def test_every_label_is_taught_by_hand_written_exemplars_in_each_file():
    for name in EXEMPLAR_FILES:
        per_label = load_json(name)
        assert set(per_label) <= set(LABELS)
        assert all(per_label.get(label) for label in LABELS), name


def test_no_exemplar_teaches_two_labels():
    labels_per_text: dict[str, set[str]] = {}
    for text, label in exemplars():
        labels_per_text.setdefault(text.casefold(), set()).add(label)
    assert [t for t, labels in labels_per_text.items() if len(labels) > 1] == []


def test_training_samples_are_the_exemplars_then_the_template_samples():
    samples = training_samples()
    hand = exemplars()
    assert [(t, label) for t, label, _ in samples[: len(hand)]] == hand
    assert {w for _, _, w in samples[len(hand) :]} == {0.5}
    assert set(Counter(label for _, label, _ in samples)) == set(LABELS)
    assert samples == training_samples()  # seeded: the same on every call
    assert set(SUBLABELS.values()) <= set(LABELS)
