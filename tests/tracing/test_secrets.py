"""Write-only secret valves: the secret leaves the valve during validation, the mask stays."""

from __future__ import annotations

import logging
import stat

import pytest

from alphaomega.tracing._secrets import (
    ENV_SECRETS_DIR,
    SecretStore,
    absorb_secret,
    is_masked,
    mask,
    resolve_secret,
)

SECRET = "sk-lf-1234567890-abcd"


def test_a_clear_secret_is_moved_to_a_private_file_and_only_its_mask_stays(tmp_path):
    store = SecretStore(tmp_path / "plugin", "langfuse_secret_key")

    shown = absorb_secret(SECRET, store)

    assert shown == "••••abcd" and SECRET not in shown
    assert store.load() == SECRET
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert resolve_secret(shown, store) == SECRET


def test_the_mask_coming_back_keeps_the_stored_secret(tmp_path):
    store = SecretStore(tmp_path, "key")
    shown = absorb_secret(SECRET, store)

    assert absorb_secret(shown, store) == shown
    assert store.load() == SECRET


def test_a_new_secret_replaces_the_old_one(tmp_path):
    store = SecretStore(tmp_path, "key")
    absorb_secret(SECRET, store)

    shown = absorb_secret("sk-lf-another-secret-wxyz", store)

    assert shown == "••••wxyz" and resolve_secret(shown, store) == "sk-lf-another-secret-wxyz"


def test_empty_deletes_the_stored_secret(tmp_path):
    store = SecretStore(tmp_path, "key")
    absorb_secret(SECRET, store)

    assert absorb_secret("", store) == ""
    assert not store.path.exists()
    assert resolve_secret("", store) is None


def test_env_references_stay_and_are_read_when_used(tmp_path):
    store = SecretStore(tmp_path, "key")

    reference = "env:ALPHAOMEGA_SECRET_MY_LANGFUSE"
    assert absorb_secret(reference, store) == reference
    assert not store.path.exists()
    environ = {"ALPHAOMEGA_SECRET_MY_LANGFUSE": SECRET}
    assert resolve_secret(reference, store, environ) == SECRET
    assert resolve_secret(reference, store, {}) is None


def test_a_mask_without_its_secret_resolves_to_nothing_and_says_why(tmp_path, caplog):
    store = SecretStore(tmp_path, "key")
    absorb_secret(SECRET, store)

    with caplog.at_level(logging.WARNING):
        assert resolve_secret("••••zzzz", store) is None
    assert "type the secret into the valve again" in caplog.text


def test_short_secrets_show_no_tail():
    assert mask("short") == "••••"
    assert is_masked(mask(SECRET)) and not is_masked(SECRET)


def test_a_plugin_store_sits_beside_the_plugin_unless_the_environment_moves_it(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(ENV_SECRETS_DIR, raising=False)
    plugin = tmp_path / "pipelines" / "langfuse_filter.py"
    store = SecretStore.beside(str(plugin), "langfuse_secret_key")
    assert store.path == tmp_path / "pipelines" / "langfuse_filter" / "langfuse_secret_key"

    monkeypatch.setenv(ENV_SECRETS_DIR, str(tmp_path / "elsewhere"))
    assert store.path == tmp_path / "elsewhere" / "langfuse_secret_key"


@pytest.mark.parametrize(
    "name",
    [
        "PIPELINES_API_KEY",
        "ALPHAOMEGA_AGENT_TOKEN",
        "ALPHAOMEGA_FACTORY_TOKEN",
        "HOME",
        "OPENAI_API_KEY",
        "alphaomega_secret_lowercase",
        "ALPHAOMEGA_SECRET_",
        "ALPHAOMEGA_SECRETS_DIR",
    ],
)
def test_env_references_outside_the_allow_list_are_refused_and_never_read(tmp_path, name):
    store = SecretStore(tmp_path, "key")

    with pytest.raises(ValueError, match="LANGFUSE_SECRET_KEY, ALPHAOMEGA_SECRET_<NAME>"):
        absorb_secret(f"env:{name}", store, own_env_names=["LANGFUSE_SECRET_KEY"])
    with pytest.raises(ValueError, match=f"env:{name} is not allowed"):
        absorb_secret(f"env: {name}", store, own_env_names=["LANGFUSE_SECRET_KEY"])
    environ = {name: SECRET}
    assert (
        resolve_secret(f"env:{name}", store, environ, own_env_names=["LANGFUSE_SECRET_KEY"]) is None
    )


def test_the_secrets_own_variable_is_allowed_only_for_that_secret(tmp_path):
    store = SecretStore(tmp_path, "key")
    environ = {"LANGFUSE_SECRET_KEY": SECRET}

    assert absorb_secret("env:LANGFUSE_SECRET_KEY", store, own_env_names=["LANGFUSE_SECRET_KEY"])
    resolved = resolve_secret(
        "env:LANGFUSE_SECRET_KEY", store, environ, own_env_names=["LANGFUSE_SECRET_KEY"]
    )
    assert resolved == SECRET
    with pytest.raises(ValueError):
        absorb_secret("env:LANGFUSE_SECRET_KEY", store)


def test_a_stored_secret_goes_only_to_the_address_it_was_typed_in_for(tmp_path, caplog):
    store = SecretStore(tmp_path, "key")
    shown = absorb_secret(SECRET, store, address="https://langfuse.example.org/")

    assert resolve_secret(shown, store, address=" https://langfuse.example.org") == SECRET
    # The mask coming back with another address keeps the address the secret was typed for.
    assert absorb_secret(shown, store, address="https://collector.example.net") == shown
    with caplog.at_level(logging.WARNING):
        assert resolve_secret(shown, store, address="https://collector.example.net") is None
    assert "not for https://collector.example.net" in caplog.text
    assert resolve_secret(shown, store, address="") is None


def test_a_secret_stored_without_its_address_is_typed_in_again(tmp_path, caplog):
    store = SecretStore(tmp_path, "key")
    store.path.write_text(SECRET)  # the file of a version that did not record the address

    with caplog.at_level(logging.WARNING):
        assert resolve_secret(mask(SECRET), store, address="") is None
    assert "type the secret into the valve again" in caplog.text
