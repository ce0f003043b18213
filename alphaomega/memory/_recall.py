"""Which of a person's memories a new message needs: meaning and words together (no I/O).

Why not one cosine threshold: a small embedder scores a fact and a paraphrased question about it
("My sister lives in Lyon" / "what time is it where my sister is?") about as low as it scores
unrelated pairs, so any single threshold either misses what a person would call obviously
relevant or injects what they would call unrelated. Three signals separate them better:

- meaning: the cosine similarity of the message and each memory (the embedder's vectors);
- words: BM25 over the candidate memories, the message's words stemmed and joined by the other
  words of their subject (``sister`` also looks for ``brother``, ``sibling``; ``pup`` for
  ``dog``), so a question that names the relation finds the fact that names it differently;
- whether the message speaks of the person at all ("my", "I", "we", in several languages) or
  names someone a memory places in their life ("Max" of "my son Max"): a question about
  oneself may need a memory that is only loosely similar, while a general question ("what year
  did the Berlin wall fall?") needs one that is very similar.

A memory's score is its cosine plus a bounded bonus for its words. A message that speaks of the
person keeps memories scoring at least ``personal_threshold`` (a message that names someone,
the memories naming them); any other memory needs its cosine alone to reach
``score_threshold``. Either way only memories within
``relative_cutoff`` of the best score are kept: the one that answers, not its neighbours. A
memory in the very words of the message (a request stored as the person said it) is left out:
it tells nothing new, and its near-perfect score would push the one that answers out.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parent / "data" / "recall_words.json"
RELATED_WEIGHT = 0.5  # a related word is weaker evidence than the message's own word
WORD_BONUS = 0.25  # the most the words can add to a cosine
WORD_HALF = 2.0  # the BM25 score at which half the bonus is given
BM25_K1, BM25_B = 1.2, 0.75
_TOKEN = re.compile(r"[a-z0-9]+")
_CASED_TOKEN = re.compile(r"[A-Za-z0-9]+")
NAME_REACH = 3  # words between a name and the relation word that makes it someone's
TERMS_KEPT = 20_000  # memories whose terms are kept: splitting them was most of a search's time


def _plain(text: str) -> str:
    """Case-folded, without accents: "Sœur" and "soeur", "Lucía" and "lucia" meet."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe"))
    return "".join(c for c in folded if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light English stemmer: enough that "lives", "living" and "live" meet."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    else:
        if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
            word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def words_of(text: str) -> list[str]:
    return _TOKEN.findall(_plain(text))


def head(phrase: str) -> str:
    """The stem of a phrase's last word, its head in English: "half marathon" is a marathon,
    and "half" alone never joins it to "other half"."""
    return stem(words_of(phrase)[-1])


def _unaccented(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("œ", "oe"))
    return "".join(c for c in folded if not unicodedata.combining(c))


@dataclass(frozen=True)
class Lexicon:
    first_person: frozenset[str]
    relations: frozenset[str]  # stems
    requests: tuple[tuple[str, ...], ...]  # the first words of a request, plain
    stopwords: frozenset[str]
    related: dict[str, frozenset[str]]  # a stem -> the other stems of its subjects
    _known: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path = WORDS_FILE) -> Lexicon:
        data = json.loads(path.read_text(encoding="utf-8"))

        def plain_set(words: Iterable[str]) -> frozenset[str]:
            return frozenset(w for word in words for w in words_of(word))

        stopwords = plain_set(data["stopwords"])
        related: dict[str, set[str]] = {}
        for group in data["related"]:
            stems = {head(word) for word in group if words_of(word)} - stopwords
            for member in stems:
                related.setdefault(member, set()).update(stems - {member})
        return cls(
            first_person=plain_set(data["first_person"]),
            relations=frozenset(head(word) for word in data["relations"] if words_of(word)),
            requests=tuple(tuple(words_of(r)) for r in data["requests"]),
            stopwords=stopwords,
            related={k: frozenset(v) for k, v in related.items()},
        )

    def terms(self, text: str) -> list[str]:
        """The stems that say what ``text`` is about."""
        return [stem(w) for w in words_of(text) if w not in self.stopwords and len(w) > 1]

    def memory_terms(self, text: str) -> list[str]:
        """``terms`` of a stored memory, kept for the next searches (a bounded number)."""
        known = self._known.get(text)
        if known is None:
            if len(self._known) >= TERMS_KEPT:
                self._known.clear()
            known = self._known[text] = self.terms(text)
        return known

    def query(self, text: str) -> dict[str, float]:
        """The message's own stems (weight 1) and the related ones (``RELATED_WEIGHT``)."""
        own = self.terms(text)
        weights = dict.fromkeys(own, 1.0)
        for term in own:
            for other in self.related.get(term, ()):
                weights.setdefault(other, RELATED_WEIGHT)
        return weights

    def speaks_of_person(self, text: str) -> bool:
        """Whether ``text`` speaks of the person: the "me" of "tell me a joke" does not."""
        words = words_of(text)
        opener = next((s for s in self.requests if tuple(words[: len(s)]) == s), ())
        return any(word in self.first_person for word in words[len(opener) :])

    def is_request(self, text: str) -> bool:
        """A question, or a message that asks the assistant for something ("tell me about
        my cat"): stored as said, it would only echo later questions, not answer them."""
        words = words_of(text)
        return text.rstrip().endswith("?") or any(
            tuple(words[: len(start)]) == start for start in self.requests
        )

    def names_in(self, text: str) -> frozenset[str]:
        """Capitalised words after the first (plain): the names a message may mention."""
        words = _CASED_TOKEN.findall(_unaccented(text))[1:]
        return frozenset(
            w.casefold()
            for w in words
            if w[0].isupper() and w.casefold() not in self.stopwords | self.first_person
        )

    def names_someone(self, memory: str, names: frozenset[str]) -> bool:
        """Whether ``memory`` has one of ``names`` close to a relation word ("my son Max",
        "a hamster named Mochi"): someone in the person's life, not a place they mention."""
        if not names:
            return False
        words = words_of(memory)
        for at, word in enumerate(words):
            if word in names:
                near = words[max(at - NAME_REACH, 0) : at + NAME_REACH + 1]
                if any(stem(w) in self.relations for w in near if w != word):
                    return True
        return False


def bm25(query: dict[str, float], documents: Sequence[Sequence[str]]) -> list[float]:
    """BM25 of each document for the weighted query, frequencies taken over ``documents``."""
    if not documents or not query:
        return [0.0] * len(documents)
    counts = [Counter(doc) for doc in documents]
    average = sum(len(doc) for doc in documents) / len(documents) or 1.0
    total = len(documents)
    holding = Counter(term for count in counts for term in count.keys() & query.keys())
    idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in holding.items()}
    scores = []
    for doc, count in zip(documents, counts, strict=True):
        score = 0.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(doc) / average)
        for term in count.keys() & idf.keys():
            frequency = count[term]
            score += query[term] * idf[term] * frequency * (BM25_K1 + 1) / (frequency + norm)
        scores.append(score)
    return scores


@dataclass(frozen=True)
class RecallRules:
    score_threshold: float  # cosine needed when the message does not speak of the person
    personal_threshold: float  # score needed when it does
    relative_cutoff: float  # share of the best score a kept memory needs
    top_k: int


@dataclass(frozen=True)
class Scored:
    index: int  # position among the candidates
    score: float
    cosine: float


def choose(
    lexicon: Lexicon,
    message: str,
    texts: Sequence[str],
    cosines: Sequence[float],
    rules: RecallRules,
) -> list[Scored]:
    """The candidates (``texts`` with their ``cosines``) to inject, best first."""
    if not texts:
        return []
    said = words_of(message)
    personal = lexicon.speaks_of_person(message)
    names = frozenset() if personal else lexicon.names_in(message)
    lexical = bm25(lexicon.query(message), [lexicon.memory_terms(t) for t in texts])
    scored = [
        Scored(n, cosine + WORD_BONUS * words / (words + WORD_HALF), cosine)
        for n, (cosine, words) in enumerate(zip(cosines, lexical, strict=True))
    ]
    kept = [
        s
        for s in scored
        if words_of(texts[s.index]) != said  # the same words said before tell nothing new
        and (
            s.cosine >= rules.score_threshold
            or (
                s.score >= rules.personal_threshold
                and (personal or lexicon.names_someone(texts[s.index], names))
            )
        )
    ]
    if not kept:
        return []
    best = max(s.score for s in kept)
    kept = [s for s in kept if s.score >= best * rules.relative_cutoff]
    return sorted(kept, key=lambda s: s.score, reverse=True)[: rules.top_k]
