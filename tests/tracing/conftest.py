"""Fixtures of the tracing tests: a clean environment and a local OTLP receiver."""

from __future__ import annotations

import pytest

from alphaomega.testing.otlp_receiver import OtlpReceiver

from .owu_bodies import PUBLIC_KEY, SECRET_KEY


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in (
        "LANGFUSE_PUBLIC_KEY",
        "LANGFUSE_SECRET_KEY",
        "LANGFUSE_BASE_URL",
        "LANGFUSE_HOST",
        "LANGFUSE_TRACING_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALPHAOMEGA_SECRETS_DIR", str(tmp_path / "secrets"))


@pytest.fixture
def receiver():
    with OtlpReceiver(public_key=PUBLIC_KEY, secret_key=SECRET_KEY) as running:
        yield running
