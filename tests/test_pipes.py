import pytest

from alphaomega.errors import ConfigError
from alphaomega.pipes import chat_affinity, options_from_body, select_models


def test_affinity_prefers_the_chat_then_the_user():
    assert chat_affinity({"metadata": {"chat_id": "c1"}, "user": {"id": "u1"}}) == "c1"
    assert chat_affinity({"user": {"id": "u1"}}) == "u1"
    assert chat_affinity({"metadata": {"chat_id": ""}}) is None


def test_openai_options_become_ollama_options():
    body = {"temperature": 0.2, "max_tokens": 64, "top_p": None, "seed": 7}
    assert options_from_body(body) == {"temperature": 0.2, "num_predict": 64, "seed": 7}


def test_pattern_selects_available_models_else_the_configured_list():
    available = ["qwen2.5-coder:7b", "llama3.1:8b", "codellama:13b"]
    assert select_models(["x"], "coder|codellama", available) == ["qwen2.5-coder:7b",
                                                                  "codellama:13b"]
    assert select_models(["a", " a ", "b"], "", available) == ["a", "b"]
    assert select_models(["a"], "nomatch", available) == ["a"]
    with pytest.raises(ConfigError):
        select_models(["a"], "([", available)
