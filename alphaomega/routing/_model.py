"""A multinomial naive Bayes over the feature groups of :mod:`._features`, in plain Python.

Naive Bayes trains in one counting pass, so the model is built from the exemplars in a
fraction of a second when first needed instead of shipping weights that could drift from them.
Each feature group is its own multinomial; the groups' log-likelihoods are summed with
weights, and the posterior is tempered so that ``confidence`` is usable as a threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ._features import (
    GROUPS,
    clip,
    content_tokens,
    extract,
    opening_feature,
    pair_features,
    symbol_features,
    word_ngrams,
)

GROUP_WEIGHTS: Mapping[str, float] = {"w": 1.0, "b": 0.6, "c": 0.35, "s": 0.5}
SMOOTHING = 0.3
# Dividing the summed log-likelihood by sqrt(feature count) keeps long messages from
# producing posteriors of exactly 1.0; TEMPERATURE then spreads them over 0..1.
TEMPERATURE = 0.6
# A word no exemplar contains still says something: chat is open-ended, while code, desktop
# and image requests reuse a small vocabulary. Each class's chance of producing an unseen word
# is its Good-Turing estimate (words seen once / all words). It counts for at most
# UNSEEN_CAP words: pasted code is full of identifiers nobody has seen either.
UNSEEN_WEIGHT = 1.0
UNSEEN_CAP = 2
# Per-word partial sums are cached; the cache is dropped when full (unique words are unbounded).
WORD_CACHE_LIMIT = 100_000

Vector = tuple[float, ...]


class NaiveBayes:
    """Per-feature log-likelihood rows (one float per class), summed at prediction time."""

    def __init__(
        self,
        classes: Sequence[str],
        *,
        priors: Mapping[str, float] | None = None,
        calibration: float = 1.0,
    ) -> None:
        self.classes = tuple(classes)
        self._priors = [float((priors or {}).get(name, 0.0)) for name in self.classes]
        # The logits are divided by this before the softmax: fitted on exemplars the model was
        # not trained on (see :mod:`.calibrate`), so that a probability means what it says.
        self.calibration = calibration
        self._tables: dict[str, dict[str, tuple[float, ...]]] = {g: {} for g in GROUPS}
        self._unseen: Vector = (0.0,) * len(self.classes)
        # word -> (its row plus its n-gram rows summed, how many rows, whether the word is known)
        self._word_cache: dict[str, tuple[Vector | None, int, bool]] = {}

    @property
    def vocabulary_size(self) -> int:
        return sum(len(table) for table in self._tables.values())

    def fit(self, samples: Iterable[tuple[str, str, float]]) -> NaiveBayes:
        """Count features of ``(text, label, weight)`` samples; a weight below 1 lets a
        sample teach its vocabulary without its phrasing outvoting hand-written ones."""
        index = {name: i for i, name in enumerate(self.classes)}
        counts = {g: [Counter[str]() for _ in self.classes] for g in GROUPS}
        seen_once = [Counter[str]() for _ in self.classes]
        for text, label, weight in samples:
            k = index[label]
            for group, feats in extract(text).items():
                counter = counts[group][k]
                for feat in feats:
                    counter[feat] += weight
            seen_once[k].update(content_tokens(text))
        for group in GROUPS:
            self._tables[group] = self._log_likelihoods(counts[group], GROUP_WEIGHTS[group])
        self._word_cache.clear()
        self._unseen = tuple(
            UNSEEN_WEIGHT
            * math.log((sum(1 for n in c.values() if n == 1) + 1) / (sum(c.values()) + 1))
            for c in seen_once
        )
        return self

    @staticmethod
    def _log_likelihoods(
        per_class: list[Counter[str]], weight: float
    ) -> dict[str, tuple[float, ...]]:
        vocab_size = len(set().union(*per_class)) or 1
        log_totals = [math.log(sum(c.values()) + SMOOTHING * vocab_size) for c in per_class]
        # Most features never occur in most classes: start every row at the unseen value
        # and overwrite only the counts that exist.
        unseen = [weight * (math.log(SMOOTHING) - t) for t in log_totals]
        rows: dict[str, list[float]] = {}
        for k, counter in enumerate(per_class):
            for feat, n in counter.items():
                row = rows.get(feat)
                if row is None:
                    row = rows[feat] = unseen.copy()
                row[k] = weight * (math.log(n + SMOOTHING) - log_totals[k])
        return {feat: tuple(row) for feat, row in rows.items()}

    def _word(self, word: str) -> tuple[Vector | None, int, bool]:
        entry = self._word_cache.get(word)
        if entry is None:
            grams = self._tables["c"]
            rows = [row for row in map(grams.get, word_ngrams(word)) if row is not None]
            own = self._tables["w"].get(word)
            if own is not None:
                rows.append(own)
            summed = tuple(map(sum, zip(*rows, strict=True))) if rows else None
            entry = (summed, len(rows), own is not None)
            if len(self._word_cache) >= WORD_CACHE_LIMIT:
                self._word_cache.clear()
            self._word_cache[word] = entry
        return entry

    def log_scores(self, text: str) -> tuple[list[float], int]:
        """Summed weighted log-likelihood per class, and how many known features took part.

        Same sum as :meth:`log_scores_uncached`, with each word's share taken from a cache.
        """
        text = clip(text)
        tokens = content_tokens(text)
        vectors: list[Vector] = []
        used = unknown = 0
        for word in set(tokens):
            summed, count, known = self._word(word)
            if summed is not None:
                vectors.append(summed)
                used += count
            unknown += not known
        opening = self._tables["w"].get(opening_feature(tokens))
        unknown += opening is None
        others = [opening]
        others += map(self._tables["b"].get, pair_features(tokens))
        others += map(self._tables["s"].get, symbol_features(text))
        found = [row for row in others if row is not None]
        vectors.extend(found)
        used += len(found)
        vectors.extend([self._unseen] * min(unknown, UNSEEN_CAP))
        return self._total(vectors), used

    def log_scores_uncached(self, text: str) -> tuple[list[float], int]:
        """The plain definition: every feature of :func:`extract` looked up one by one."""
        vectors: list[Vector] = []
        used = 0
        for group, feats in extract(text).items():
            table = self._tables[group]
            found = [row for row in map(table.get, feats) if row is not None]
            vectors.extend(found)
            used += len(found)
            if group == "w":
                vectors.extend([self._unseen] * min(len(feats) - len(found), UNSEEN_CAP))
        return self._total(vectors), used

    def _total(self, vectors: list[Vector]) -> list[float]:
        if not vectors:
            return [0.0] * len(self.classes)
        return [sum(column) for column in zip(*vectors, strict=True)]

    def logits(self, text: str) -> list[float]:
        """Per-class scores before calibration and softmax."""
        scores, used = self.log_scores(text)
        # The prior is added after tempering so that it weighs the same for short and long
        # messages, and alone decides (with modest confidence) when no feature is known.
        scale = 1.0 / (TEMPERATURE * math.sqrt(max(used, 1)))
        return [s * scale + p for s, p in zip(scores, self._priors, strict=True)]

    def predict_proba(self, text: str) -> dict[str, float]:
        probabilities = softmax(self.logits(text), self.calibration)
        return dict(zip(self.classes, probabilities, strict=True))


def softmax(logits: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(logits)
    exps = [math.exp((t - top) / temperature) for t in logits]
    total = sum(exps)
    return [e / total for e in exps]
