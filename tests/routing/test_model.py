"""The naive Bayes model and its features, on small data where the answer is known."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaomega.routing import _features as features
from alphaomega.routing._features import clip, extract, normalize, tokenize
from alphaomega.routing._model import NaiveBayes

TOY = [
    ("apples and pears", "fruit", 1.0),
    ("ripe apples", "fruit", 1.0),
    ("sweet pears", "fruit", 1.0),
    ("cars and trucks", "vehicle", 1.0),
    ("fast cars", "vehicle", 1.0),
    ("heavy trucks", "vehicle", 1.0),
]


def test_normalize_folds_case_and_accents():
    assert normalize("Génère ÜBER Straße") == "genere uber strasse"
    assert tokenize("C++ and C# with node.js") == ["c++", "and", "c#", "with", "node", "js"]


def test_features_cover_words_pairs_ngrams_and_code_shapes():
    features = extract("Fix foo_bar(x)\n    return x")
    assert {"fix", "^fix", "return"} <= set(features["w"])
    assert "fix foo" in features["b"]
    assert "<fi" in features["c"]
    assert {"<call>", "<indent>"} <= set(features["s"])
    assert "<snake>" in extract("rename user_name please")["s"]
    assert extract("Who painted the Mona Lisa? I think it was Leonardo.")["s"] == []


def test_clip_keeps_head_and_tail():
    text = "HEAD " + "x" * 10_000 + " TAIL"
    clipped = clip(text)
    assert clipped.startswith("HEAD") and clipped.endswith("TAIL") and len(clipped) < 1100


def test_learns_toy_classes_and_generalises_through_ngrams():
    model = NaiveBayes(["fruit", "vehicle"]).fit(TOY)
    assert max(model.predict_proba("pears"), key=model.predict_proba("pears").get) == "fruit"
    typo = model.predict_proba("truks and carz")
    assert typo["vehicle"] > typo["fruit"]
    assert sum(typo.values()) == pytest.approx(1.0)


def test_unknown_text_falls_back_to_the_priors():
    model = NaiveBayes(["fruit", "vehicle"], priors={"vehicle": 2.0}).fit(TOY)
    probabilities = model.predict_proba("zzz qqq")
    assert probabilities["vehicle"] > probabilities["fruit"]


def test_sample_weight_scales_the_evidence():
    def fit(weight_a: float, weight_b: float) -> NaiveBayes:
        samples = [("alpha", "a", weight_a), ("alpha", "b", weight_b)]
        samples += [("omega", "a", 1.0), ("omega", "b", 1.0)]
        return NaiveBayes(["a", "b"]).fit(samples)

    assert fit(1.0, 0.1).predict_proba("alpha")["a"] > 0.5
    assert fit(0.1, 1.0).predict_proba("alpha")["a"] < 0.5


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZb_ (){}[];:=<>$`\\\n\t.-+!#xyQ"), max_size=60))
def test_the_prose_shortcut_never_hides_a_code_feature(text):
    unguarded = set(features._SYMBOLS.findall(text))
    unguarded |= {name for name, _, shape in features._CODE_SHAPES if shape.search(text)}
    assert features.symbol_features(text) == unguarded


def test_cached_scoring_equals_the_plain_definition():
    model = NaiveBayes(["fruit", "vehicle"]).fit(TOY)
    texts = ["ripe cars", "apples and apples", "", "unknown words only", "def f(x):\n    pass"]
    for _ in range(2):  # second pass is served from the word cache
        for text in texts:
            cached, used = model.log_scores(text)
            plain, plain_used = model.log_scores_uncached(text)
            assert used == plain_used
            assert cached == pytest.approx(plain, abs=1e-9)
