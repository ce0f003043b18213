"""The Langfuse filter's settings: the valves, their write-only secret, what tracing gets."""

import pytest
from pydantic import ValidationError

from alphaomega.tracing import SecretStore, resolve_config
from alphaomega.tracing._config import ExportTuning, TracingConfig
from alphaomega.tracing._settings import LangfuseSettings

SECRET = "sk-lf-0123456789abcdef"


def settings_with_store(tmp_path):
    class Valves(LangfuseSettings):
        secret_store = SecretStore(tmp_path, "langfuse_secret_key")

    return Valves


def test_without_a_store_a_typed_secret_is_refused_not_kept_in_clear():
    with pytest.raises(ValidationError, match="no secret store"):
        LangfuseSettings(secret_key=SECRET)
    assert LangfuseSettings(secret_key=None).secret_key is None
    assert LangfuseSettings(secret_key="").secret_key is None


def test_a_secret_goes_to_the_plugins_store_and_comes_back_for_its_host(tmp_path):
    valves = settings_with_store(tmp_path)(
        public_key="pk-lf-1", secret_key=SECRET, host="http://langfuse:3000", sample_rate=0.5
    )

    options = valves.tracing_options()

    assert valves.secret_key == "••••" + SECRET[-4:]
    assert options["secret_key"] == SECRET
    config = resolve_config(**options, environ={})
    assert isinstance(config, TracingConfig)
    assert config.base_url == "http://langfuse:3000" and config.sample_rate == 0.5


def test_another_host_does_not_get_the_stored_secret(tmp_path):
    valves_class = settings_with_store(tmp_path)
    valves_class(secret_key=SECRET, host="http://langfuse:3000")

    moved = valves_class(secret_key="••••" + SECRET[-4:], host="http://elsewhere:3000")

    assert moved.tracing_options()["secret_key"] is None


def test_the_export_tuning_is_declared_once_for_valves_and_config():
    tuning = list(ExportTuning.model_fields)

    assert list(LangfuseSettings.model_fields)[-len(tuning) :] == tuning
    for name in tuning:
        assert repr(LangfuseSettings.model_fields[name]) == repr(TracingConfig.model_fields[name])
    valves = LangfuseSettings(flush_interval_s=0.5, max_buffer=7, export_timeout_s=1.5)
    options = valves.tracing_options()
    assert {name: options[name] for name in tuning} == {
        "sample_rate": 1.0,
        "flush_interval_s": 0.5,
        "max_buffer": 7,
        "export_timeout_s": 1.5,
    }
