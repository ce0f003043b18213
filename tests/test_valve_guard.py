"""The valve guard on the real plugins' valves: address changes are reported, secrets re-entered."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from alphaomega.valve_guard import ROLE_KEY, ValvesVerdict, check_valves_update
from tests.plugin_files import ROOT, load_plugin_module

PLUGIN_FILES = sorted([*ROOT.glob("filters/*.py"), *ROOT.glob("pipelines/*.py")])
MASK = "••••9f3e"
LANGFUSE = {"public_key": "pk-lf-prod", "secret_key": MASK, "host": "https://lf.example.org"}
ELSEWHERE = "https://collector.example.net"


@pytest.fixture(autouse=True)
def private_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("ALPHAOMEGA_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.delenv("ALPHAOMEGA_QDRANT_URL", raising=False)


def valves_class(name: str) -> type[BaseModel]:
    path = next(p for p in PLUGIN_FILES if p.stem == name)
    return load_plugin_module(path).Pipeline.Valves


def form(current: BaseModel, **changes) -> dict:
    """What the admin form posts: every valve, the secret as its mask unless typed in again."""
    return {**current.model_dump(), **changes}


def langfuse(**values) -> BaseModel:
    return valves_class("langfuse_filter")(**{**LANGFUSE, **values})


def test_moving_the_langfuse_host_with_only_the_mask_is_refused_and_reported():
    current = langfuse()

    verdict = check_valves_update("alphaomega_langfuse", current, form(current, host=ELSEWHERE))

    assert verdict.refusal is not None
    assert "secret_key" in verdict.refusal and "again" in verdict.refusal
    assert verdict.warnings == [
        f"valve host of alphaomega_langfuse changes from https://lf.example.org to {ELSEWHERE}"
    ]


@pytest.mark.parametrize("host", [None, "", "https://lf.example.org/", ELSEWHERE])
def test_any_host_change_needs_the_secret_and_a_same_host_does_not(host):
    current = langfuse()

    verdict = check_valves_update("alphaomega_langfuse", current, form(current, host=host))

    moved = host not in ("https://lf.example.org/",)
    assert (verdict.refusal is not None) is moved
    assert bool(verdict.warnings) is moved


def test_a_missing_host_is_the_default_and_so_a_change():
    current = langfuse()
    update = form(current)
    del update["host"]

    verdict = check_valves_update("alphaomega_langfuse", current, update)

    assert verdict.refusal and "to (empty)" in verdict.refusal


@pytest.mark.parametrize("secret", ["sk-lf-typed-again-1234", "env:ALPHAOMEGA_SECRET_LF_EU", ""])
def test_a_host_change_with_the_secret_given_again_passes_with_a_warning(secret):
    current = langfuse()

    update = form(current, host=ELSEWHERE, secret_key=secret)
    verdict = check_valves_update("alphaomega_langfuse", current, update)

    assert verdict.refusal is None
    assert len(verdict.warnings) == 1 and ELSEWHERE in verdict.warnings[0]


def test_an_unchanged_environment_reference_is_not_a_secret_given_again():
    current = langfuse(secret_key="env:LANGFUSE_SECRET_KEY")

    verdict = check_valves_update("alphaomega_langfuse", current, form(current, host=ELSEWHERE))

    assert verdict.refusal is not None


@pytest.mark.parametrize(
    "name", ["PIPELINES_API_KEY", "ALPHAOMEGA_AGENT_TOKEN", "ALPHAOMEGA_FACTORY_TOKEN", "HOME"]
)
def test_an_environment_reference_outside_the_allow_list_is_refused_readably(name):
    current = langfuse()

    update = form(current, secret_key=f"env:{name}")
    verdict = check_valves_update("alphaomega_langfuse", current, update)

    assert verdict.refusal == (
        f"secret_key: env:{name} is not allowed: a secret valve may only read "
        "LANGFUSE_SECRET_KEY, ALPHAOMEGA_SECRET_<NAME> from the environment"
    )
    assert verdict.warnings == []


def test_other_langfuse_valves_pass_silently():
    current = langfuse()

    update = form(current, sample_rate=0.5, public_key="pk-lf-other")
    assert check_valves_update("alphaomega_langfuse", current, update) == ValvesVerdict()


@pytest.mark.parametrize(
    ("valve", "new"),
    [
        ("ollama_url", "http://embed.example.net:11434"),
        ("qdrant_url", "http://qdrant.example.net:6333"),
        ("data_dir", "/srv/elsewhere"),
    ],
)
def test_a_memory_address_change_is_reported_with_old_and_new_value(valve, new):
    current = valves_class("memory_filter")()

    verdict = check_valves_update("alphaomega_memory", current, form(current, **{valve: new}))

    assert verdict.refusal is None
    assert verdict.warnings == [f"valve {valve} of alphaomega_memory changes from (empty) to {new}"]


def test_a_password_written_into_an_address_stays_out_of_the_warning():
    current = valves_class("memory_filter")()
    update = form(current, qdrant_url="https://admin:hunter2-qdrant@qdrant.example.net:6333")

    verdict = check_valves_update("alphaomega_memory", current, update)

    assert "hunter2" not in verdict.warnings[0]
    assert "https://admin:•••@qdrant.example.net:6333" in verdict.warnings[0]


def test_an_update_that_is_no_object_is_refused():
    current = langfuse()

    verdict = check_valves_update("alphaomega_langfuse", current, ["host", ELSEWHERE])

    assert verdict.refusal == "alphaomega_langfuse: a valves update is a JSON object"


def test_every_address_valve_of_every_plugin_is_declared():
    """A new URL or host valve must declare itself, or the guard would not see it."""
    undeclared = []
    for path in PLUGIN_FILES:
        valves = valves_class(path.stem)
        for name, info in valves.model_fields.items():
            looks_like_an_address = any(
                part in name for part in ("url", "host", "endpoint", "address")
            ) and info.annotation in (str, str | None)
            if looks_like_an_address and not declared(valves, name):
                undeclared.append(f"{path.name}: {name}")
    assert undeclared == []


def declared(valves: type[BaseModel], name: str) -> bool:
    current = valves()
    update = form(current, **{name: "http://address-changed.example"})
    return bool(check_valves_update("plugin", current, update).warnings)


def test_the_role_key_does_not_collide_with_a_json_schema_keyword():
    schema = valves_class("langfuse_filter").model_json_schema()
    assert ROLE_KEY in schema["properties"]["host"]
