"""What a secret valve's value is, read without any store: a mask, an ``env:NAME`` reference and
whether it is allowed, an address as compared. Pure; shared by the valves-update check
(:mod:`alphaomega.valve_guard`) and the secret store (:mod:`alphaomega.tracing._secrets`), so
neither has to import the other's package.
"""

from __future__ import annotations

import re
from collections.abc import Collection

MASK_PREFIX = "••••"
ENV_REFERENCE_PREFIX = "env:"
# The names a person chooses for secrets a valve may reference, beside the secret's own variable.
ENV_CHOSEN_PREFIX = "ALPHAOMEGA_SECRET_"
# Never referenced, even if a plugin were to list them: the server's and the pack's own keys.
ENV_NEVER_REFERENCED = frozenset(
    {"PIPELINES_API_KEY", "ALPHAOMEGA_AGENT_TOKEN", "ALPHAOMEGA_FACTORY_TOKEN"}
)
_CHOSEN_NAME = re.compile(re.escape(ENV_CHOSEN_PREFIX) + r"[A-Z0-9_]+")
_SHOWN_TAIL = 4
# Shorter secrets would be mostly revealed by their tail.
_MIN_LENGTH_FOR_TAIL = 12


def mask(secret: str) -> str:
    if len(secret) < _MIN_LENGTH_FOR_TAIL:
        return MASK_PREFIX
    return MASK_PREFIX + secret[-_SHOWN_TAIL:]


def is_masked(value: str) -> bool:
    return value.startswith(MASK_PREFIX)


def same_address(first: str | None, second: str | None) -> bool:
    return normal_address(first) == normal_address(second)


def normal_address(url: str | None) -> str:
    """A URL valve as compared: spaces and trailing slashes do not make another address."""
    return (url or "").strip().rstrip("/")


def env_reference(value: str | None) -> str | None:
    """The variable name of an ``env:NAME`` valve value, else ``None``."""
    text = (value or "").strip()
    if not text.startswith(ENV_REFERENCE_PREFIX):
        return None
    return text[len(ENV_REFERENCE_PREFIX) :].strip()


def env_reference_allowed(name: str, own_names: Collection[str] = ()) -> bool:
    if name in ENV_NEVER_REFERENCED:
        return False
    return name in own_names or _CHOSEN_NAME.fullmatch(name) is not None


def allowed_env_names(own_names: Collection[str] = ()) -> str:
    """The allow-list in words, for a refusal and a valve's description."""
    return ", ".join([*own_names, f"{ENV_CHOSEN_PREFIX}<NAME>"])


def env_reference_refusal(value: str | None, own_names: Collection[str] = ()) -> str | None:
    """Why an ``env:NAME`` value may not be used, or ``None`` when it may (or is no reference)."""
    name = env_reference(value)
    if name is None or env_reference_allowed(name, own_names):
        return None
    return (
        f"env:{name} is not allowed: a secret valve may only read "
        f"{allowed_env_names(own_names)} from the environment"
    )
