"""Tracing settings: valves over the environment the Langfuse SDK reads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alphaomega.tracing._config import (
    DEFAULT_BASE_URL,
    missing_keys_message,
    resolve_config,
)


def test_environment_alone_configures_tracing():
    env = {
        "LANGFUSE_PUBLIC_KEY": "pk-env",
        "LANGFUSE_SECRET_KEY": "sk-env",
        "LANGFUSE_BASE_URL": "http://langfuse:3000/",
        "LANGFUSE_TRACING_ENVIRONMENT": "staging",
    }
    config = resolve_config(environ=env)

    assert config.public_key == "pk-env"
    assert config.secret_key.get_secret_value() == "sk-env"
    assert config.base_url == "http://langfuse:3000"
    assert config.endpoint == "http://langfuse:3000/api/public/otel/v1/traces"
    assert config.environment == "staging"


def test_valves_win_over_the_environment_and_host_is_the_older_name():
    env = {"LANGFUSE_PUBLIC_KEY": "pk-env", "LANGFUSE_SECRET_KEY": "sk-env"}
    config = resolve_config(
        public_key="pk-valve", secret_key="sk-valve", environ={**env, "LANGFUSE_HOST": "http://h"}
    )

    assert (config.public_key, config.secret_key.get_secret_value()) == ("pk-valve", "sk-valve")
    assert config.base_url == "http://h"
    assert resolve_config(environ=env).base_url == DEFAULT_BASE_URL


def test_tuning_values_pass_and_none_keeps_defaults():
    config = resolve_config(
        public_key="pk", secret_key="sk", environ={}, sample_rate=0.5, max_buffer=None
    )

    assert config.sample_rate == 0.5 and config.max_buffer == 1000


def test_a_missing_key_turns_tracing_off_and_the_message_names_it():
    assert resolve_config(public_key="pk", environ={}) is None
    assert resolve_config(secret_key="sk", environ={}) is None
    assert "secret key" in missing_keys_message("pk", has_secret=False)
    assert "public key" not in missing_keys_message("pk", has_secret=False)


def test_bad_environment_names_are_refused():
    for bad in ("Production", "langfuse-internal", "x" * 41):
        with pytest.raises(ValidationError):
            resolve_config(public_key="pk", secret_key="sk", environ={}, environment=bad)


def test_identity_tells_configs_apart_without_holding_the_secret():
    first = resolve_config(public_key="pk", secret_key="sk-one-secret", environ={})
    second = resolve_config(public_key="pk", secret_key="sk-two-secret", environ={})

    assert first.identity() != second.identity()
    assert (
        first.identity()
        == resolve_config(public_key="pk", secret_key="sk-one-secret", environ={}).identity()
    )
    assert "sk-one-secret" not in repr(first.identity()) + repr(first)


def test_the_environments_secret_goes_only_to_the_environments_address():
    env = {
        "LANGFUSE_PUBLIC_KEY": "pk-env",
        "LANGFUSE_SECRET_KEY": "sk-env",
        "LANGFUSE_BASE_URL": "http://langfuse:3000",
    }

    assert resolve_config(base_url="http://collector.example.net", environ=env) is None
    same = resolve_config(base_url="http://langfuse:3000/", environ=env)
    assert same.base_url == "http://langfuse:3000"
    moved = resolve_config(base_url="http://other:3000", secret_key="sk-typed", environ=env)
    assert moved.secret_key.get_secret_value() == "sk-typed"
    cloud_only = {"LANGFUSE_PUBLIC_KEY": "pk-env", "LANGFUSE_SECRET_KEY": "sk-env"}
    assert resolve_config(base_url="http://collector.example.net", environ=cloud_only) is None


def test_the_log_line_says_why_the_environments_secret_is_not_sent(monkeypatch):
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-env")
    monkeypatch.setenv("LANGFUSE_BASE_URL", "http://langfuse:3000")

    message = missing_keys_message("pk", base_url="http://collector.example.net")
    assert "LANGFUSE_SECRET_KEY goes only to http://langfuse:3000" in message
    assert "env:LANGFUSE_SECRET_KEY" in message
