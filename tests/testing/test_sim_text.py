"""The simulator's embeddings: the same vector with numpy as without it."""

import math
import random

import pytest

from alphaomega.testing import _sim_text


def texts() -> list[str]:
    rng = random.Random(3)
    words = ["tea", "Lisbon", "my", "sister", "green", "likes", "Ünïcode", "a", "42"]
    return ["", "   "] + [" ".join(rng.choices(words, k=rng.randint(1, 12))) for _ in range(60)]


@pytest.mark.parametrize("dims", [768, 384, 7, 1])
def test_numpy_and_plain_python_give_the_same_vector(monkeypatch, dims):
    assert _sim_text._np is not None, "numpy is installed with the memory extra"
    with_numpy = [_sim_text.embed_vector(text, dims) for text in texts()]
    monkeypatch.setattr(_sim_text, "_np", None)
    plain = [_sim_text.embed_vector(text, dims) for text in texts()]
    assert with_numpy == plain
    assert all(len(vector) == dims for vector in plain)
    assert all(
        math.isclose(math.fsum(v * v for v in vector), 1.0, rel_tol=1e-6) for vector in plain
    )


def test_texts_that_share_words_point_closer_than_texts_that_do_not():
    def cosine(a: str, b: str) -> float:
        return sum(
            x * y
            for x, y in zip(
                _sim_text.embed_vector(a, 768), _sim_text.embed_vector(b, 768), strict=True
            )
        )

    assert cosine("my sister likes green tea", "green tea for my sister") > cosine(
        "my sister likes green tea", "the invoice is due on friday"
    )
