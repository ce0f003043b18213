"""Write-only secret valves: the Pipelines server must never hand a secret back in clear.

The server answers ``GET /{id}/valves`` with every valve value, writes ``valves.json`` with
``model_dump()`` right after validating an update and returns the same model to the update call.
So a secret has to leave the valve *during validation*:

- a clear value typed into the valve is moved into a file of its own (mode 0600) next to the
  plugin's ``valves.json`` and the valve keeps only a mask, ``••••`` plus the last four
  characters, which is all that GET, the update reply and ``valves.json`` ever show;
- the stored secret remembers the address (the plugin's URL valve) it was typed in for and is
  only ever handed out for that address: a URL valve changed later, by any path (the valves
  endpoint, ``valves.json`` edited by hand, a preset), does not receive it until it is typed in
  again;
- the mask coming back (the admin form re-submits it, the server re-reads ``valves.json`` on
  restart) keeps the stored secret: it never overwrites it, nor the address it is tied to;
- ``env:NAME`` is kept as is and read from the environment when used, for an allow-listed NAME
  only (the secret's own documented variable, or ``ALPHAOMEGA_SECRET_<anything>``): a valve
  must not be able to send the server's own keys anywhere;
- an empty valve deletes the stored secret and falls back to the usual environment variable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from .._valve_secrets import (
    env_reference,
    env_reference_allowed,
    env_reference_refusal,
    is_masked,
    mask,
    normal_address,
    same_address,
)

log = logging.getLogger(__name__)

ENV_SECRETS_DIR = "ALPHAOMEGA_SECRETS_DIR"


@dataclass(frozen=True)
class StoredSecret:
    secret: str
    # ``None``: stored before secrets were tied to an address, so good for none.
    address: str | None


class SecretStore:
    """One secret, and the address it is for, in one file readable only by the server's user."""

    def __init__(self, directory: str | os.PathLike[str], name: str) -> None:
        self._directory = Path(directory)
        self.name = name

    @classmethod
    def beside(cls, plugin_file: str, name: str) -> SecretStore:
        """The store of a plugin: ``ALPHAOMEGA_SECRETS_DIR`` if set, else the folder the
        Pipelines server keeps for the plugin file (``<PIPELINES_DIR>/<module>/``)."""
        return _PluginSecretStore(Path(plugin_file).with_suffix(""), name)

    @property
    def path(self) -> Path:
        return self._directory / self.name

    def save(self, secret: str, address: str = "") -> None:
        target = self.path
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        entry = {"secret": secret, "address": normal_address(address)}
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(entry, handle)
        os.replace(temporary, target)

    def load_entry(self) -> StoredSecret | None:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the stored secret %s: %s", self.path, exc)
            return None
        if not text:
            return None
        with contextlib.suppress(ValueError):
            entry = json.loads(text)
            if isinstance(entry, dict) and isinstance(entry.get("secret"), str):
                address = entry.get("address")
                return StoredSecret(entry["secret"], address if isinstance(address, str) else None)
        return StoredSecret(text, None)

    def load(self) -> str | None:
        entry = self.load_entry()
        return entry.secret if entry else None

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class _PluginSecretStore(SecretStore):
    """Looks up ``ALPHAOMEGA_SECRETS_DIR`` at each use, so a deployment can move it later."""

    @property
    def path(self) -> Path:
        override = os.environ.get(ENV_SECRETS_DIR, "").strip()
        return (Path(override) if override else self._directory) / self.name


def absorb_secret(
    value: str, store: SecretStore, *, address: str = "", own_env_names: Collection[str] = ()
) -> str:
    """Valve validator: store a clear secret for ``address`` and return what the valve may show.

    Raises ``ValueError`` (a validation error of the valves) for an ``env:`` name outside the
    allow-list. The mask keeps the stored secret *and the address it was typed in for*.
    """
    text = (value or "").strip()
    if not text:
        store.clear()
        return ""
    refusal = env_reference_refusal(text, own_env_names)
    if refusal:
        raise ValueError(refusal)
    if is_masked(text) or env_reference(text) is not None:
        return text
    store.save(text, address)
    return mask(text)


def resolve_secret(
    value: str,
    store: SecretStore,
    environ: Mapping[str, str] | None = None,
    *,
    address: str = "",
    own_env_names: Collection[str] = (),
) -> str | None:
    """The secret a valve stands for when sent to ``address``, or ``None``.

    The same rules as :func:`absorb_secret` hold here too, for valves that never went through
    it (``valves.json`` edited by hand): a disallowed ``env:`` name and a stored secret typed in
    for another address both give ``None``, with a warning saying why.
    """
    env = os.environ if environ is None else environ
    text = (value or "").strip()
    name = env_reference(text)
    if name is not None:
        if not env_reference_allowed(name, own_env_names):
            log.warning(
                "%s; the secret valve is ignored", env_reference_refusal(text, own_env_names)
            )
            return None
        return env.get(name) or None
    if is_masked(text):
        return _stored_secret_for(text, store, address)
    # A clear value only reaches here if the valve was built without its validator.
    return text or None


def _stored_secret_for(shown: str, store: SecretStore, address: str) -> str | None:
    entry = store.load_entry()
    if entry is None or mask(entry.secret) != shown:
        log.warning(
            "the secret valve shows %s but no matching secret is stored in %s; "
            "type the secret into the valve again",
            shown,
            store.path.parent,
        )
        return None
    if entry.address is None or not same_address(entry.address, address):
        log.warning(
            "the stored secret was typed in for %s, not for %s, and is not sent there; "
            "type the secret into the valve again together with the new address",
            _describe(entry.address),
            _describe(address),
        )
        return None
    return entry.secret


def _describe(address: str | None) -> str:
    if address is None:
        return "no known address (stored by an older version)"
    return normal_address(address) or "the default address"
