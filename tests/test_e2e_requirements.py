"""The e2e suite's ``require_model`` / ``require_filter``: a pack that lacks what a test needs
skips on a developer's machine and fails under CI (``CI`` set), as the install check does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.plugin_files import load_plugin_module

e2e_pack = load_plugin_module("tests/e2e/e2e_pack.py")


class Listing:
    def __init__(self, data):
        self.data = data

    def raise_for_status(self):
        return None

    def json(self):
        return {"data": self.data}


def pack_with(models, pipelines):
    client = SimpleNamespace(get=lambda path, headers=None: Listing(pipelines))
    return SimpleNamespace(models=lambda: models, client=client, auth={})


CODE = {"id": "alphaomega_code.m", "name": "AlphaOmega · Code · m"}
SAFETY = {"id": "alphaomega_safety", "name": "safety_filter", "type": "filter"}


def test_what_the_pack_has_is_found_with_or_without_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    pack = pack_with([CODE], [SAFETY])
    assert e2e_pack.require_model(pack, CODE["name"]) == CODE["id"]
    assert e2e_pack.require_filter(pack, "safety") == SAFETY["id"]


@pytest.mark.parametrize("ci", [None, "true"])
def test_a_missing_model_or_filter_skips_only_outside_ci(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    expected = pytest.skip.Exception if ci is None else pytest.fail.Exception
    pack = pack_with([CODE], [SAFETY])
    assert outcome(lambda: e2e_pack.require_model(pack, "AlphaOmega · Vision · v")) is expected
    assert outcome(lambda: e2e_pack.require_filter(pack, "memory")) is expected


def outcome(call) -> type[BaseException] | None:
    """What ``call`` ends the test with (a skip and a failure are both BaseExceptions)."""
    try:
        call()
    except BaseException as ended:  # noqa: BLE001 - the kind of ending is what is tested
        return type(ended)
    return None
