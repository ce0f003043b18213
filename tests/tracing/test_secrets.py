"""Write-only secret valves: the secret leaves the valve during validation, the mask stays."""

from __future__ import annotations

import logging
import stat

from alphaomega.tracing.secrets import (
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
    assert store.path.read_text() == SECRET
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

    assert absorb_secret("env:MY_LANGFUSE_SECRET", store) == "env:MY_LANGFUSE_SECRET"
    assert not store.path.exists()
    environ = {"MY_LANGFUSE_SECRET": SECRET}
    assert resolve_secret("env:MY_LANGFUSE_SECRET", store, environ) == SECRET
    assert resolve_secret("env:MY_LANGFUSE_SECRET", store, {}) is None


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
