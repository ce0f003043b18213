"""Write-only secret valves: the Pipelines server must never hand a secret back in clear.

The server answers ``GET /{id}/valves`` without authentication with every valve value, writes
``valves.json`` with ``model_dump()`` right after validating an update and returns the same
model to the update call. So a secret has to leave the valve *during validation*:

- a clear value typed into the valve is moved into a file of its own (mode 0600) next to the
  plugin's ``valves.json`` and the valve keeps only a mask, ``••••`` plus the last four
  characters, which is all that GET, the update reply and ``valves.json`` ever show;
- the mask coming back (the admin form re-submits it, the server re-reads ``valves.json`` on
  restart) keeps the stored secret: it never overwrites it;
- ``env:NAME`` is kept as is and read from the environment when used;
- an empty valve deletes the stored secret and falls back to the usual environment variable.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

MASK_PREFIX = "••••"
ENV_REFERENCE_PREFIX = "env:"
ENV_SECRETS_DIR = "ALPHAOMEGA_SECRETS_DIR"
_SHOWN_TAIL = 4
# Shorter secrets would be mostly revealed by their tail.
_MIN_LENGTH_FOR_TAIL = 12


def mask(secret: str) -> str:
    if len(secret) < _MIN_LENGTH_FOR_TAIL:
        return MASK_PREFIX
    return MASK_PREFIX + secret[-_SHOWN_TAIL:]


def is_masked(value: str) -> bool:
    return value.startswith(MASK_PREFIX)


class SecretStore:
    """One secret in one file readable only by the server's user."""

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

    def save(self, secret: str) -> None:
        target = self.path
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secret)
        os.replace(temporary, target)

    def load(self) -> str | None:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the stored secret %s: %s", self.path, exc)
            return None
        return text or None

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class _PluginSecretStore(SecretStore):
    """Looks up ``ALPHAOMEGA_SECRETS_DIR`` at each use, so a deployment can move it later."""

    @property
    def path(self) -> Path:
        override = os.environ.get(ENV_SECRETS_DIR, "").strip()
        return (Path(override) if override else self._directory) / self.name


def absorb_secret(value: str, store: SecretStore) -> str:
    """Valve validator: store a clear secret and return what the valve may show instead."""
    text = (value or "").strip()
    if not text:
        store.clear()
        return ""
    if is_masked(text) or text.startswith(ENV_REFERENCE_PREFIX):
        return text
    store.save(text)
    return mask(text)


def resolve_secret(
    value: str, store: SecretStore, environ: Mapping[str, str] | None = None
) -> str | None:
    """The secret a valve stands for, or ``None`` (the caller then tries its env variable)."""
    env = os.environ if environ is None else environ
    text = (value or "").strip()
    if text.startswith(ENV_REFERENCE_PREFIX):
        return env.get(text[len(ENV_REFERENCE_PREFIX) :].strip()) or None
    if is_masked(text):
        stored = store.load()
        if stored is None or mask(stored) != text:
            log.warning(
                "the secret valve shows %s but no matching secret is stored in %s; "
                "type the secret into the valve again",
                text,
                store.path.parent,
            )
            return None
        return stored
    # A clear value only reaches here if the valve was built without its validator.
    return text or None
