"""Checks a valves update before the server applies it (no I/O).

The front door calls :func:`check_valves_update` for an authorised valves update of a loaded
plugin: ``warnings`` go to the log at WARNING, a ``refusal`` is answered 400 and nothing changes.

What is checked is declared once, on the valves' fields, with :func:`address_valve` and
:func:`secret_valve` (``json_schema_extra`` metadata), never per plugin:

- an *address* valve (a URL, or a folder where data goes) that changes is reported, with the old
  and the new value: chat text, memories or traces will go somewhere else;
- when a secret is sent to that address, the same update must give the secret again (typed in
  clear, or an ``env:`` reference that is not the one already there). The mask the admin form
  re-sends is not enough: whoever can post valves could otherwise point the address at a server
  of theirs and receive the stored secret with the next turn;
- an ``env:NAME`` secret outside the allow-list is refused here, so the answer is a readable 400
  instead of the stock server's 500 on the validation error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ._valve_secrets import (
    allowed_env_names,
    env_reference,
    env_reference_refusal,
    is_masked,
    normal_address,
)

ROLE_KEY = "alphaomega_valve"


@dataclass(frozen=True)
class ValvesVerdict:
    """What the front door does with an update: log ``warnings``, refuse if ``refusal``."""

    warnings: list[str] = field(default_factory=list)
    refusal: str | None = None


def address_valve(*, sends_secret: str | None = None) -> dict[str, Any]:
    """Field metadata of a valve naming where data goes; ``sends_secret``: the valve holding
    the secret that is sent there."""
    return {ROLE_KEY: {"address": True, "sends_secret": sends_secret}}


def secret_valve(*, own_env: Collection[str]) -> dict[str, Any]:
    """Field metadata of a secret valve; ``own_env``: the secret's documented variables, the
    ``env:`` names it may read beside ``ALPHAOMEGA_SECRET_*``."""
    return {ROLE_KEY: {"secret": True, "own_env": list(own_env)}}


def check_valves_update(
    plugin_id: str, current: BaseModel, update: Mapping[str, Any]
) -> ValvesVerdict:
    """The verdict on replacing the valves ``current`` of ``plugin_id`` by ``update``.

    Like the stock server, a valve missing from ``update`` is taken at its default.
    """
    if not isinstance(update, Mapping):
        return ValvesVerdict(refusal=f"{plugin_id}: a valves update is a JSON object")
    fields = type(current).model_fields
    roles = _roles(type(current))
    warnings: list[str] = []
    refusals: list[str] = []
    for name, info in fields.items():
        role = roles.get(name, {})
        if role.get("secret"):
            refusal = env_reference_refusal(_text(_new_value(name, info, update)), role["own_env"])
            if refusal:
                refusals.append(f"{name}: {refusal}")
        if not role.get("address"):
            continue
        old = normal_address(_text(getattr(current, name, None)))
        new = normal_address(_text(_new_value(name, info, update)))
        if old == new:
            continue
        change = f"valve {name} of {plugin_id} changes from {_shown(old)} to {_shown(new)}"
        warnings.append(change)
        secret = role.get("sends_secret")
        if secret and secret in fields and not _given_again(secret, current, update):
            refusals.append(
                f"{change}, and the {secret} valve is sent there: give {secret} again in the "
                f"same update, typed in clear or as env:NAME "
                f"({allowed_env_names(roles.get(secret, {}).get('own_env', []))}); "
                "the mask or an unchanged value is not enough"
            )
    return ValvesVerdict(warnings=warnings, refusal="; ".join(refusals) or None)


def _given_again(secret: str, current: BaseModel, update: Mapping[str, Any]) -> bool:
    """Whether ``update`` gives the secret anew: present, not the mask, not the same reference.

    An empty secret counts as given: nothing typed in is then sent anywhere (the environment's
    variable only ever goes to the environment's own address).
    """
    if secret not in update:
        return True
    text = _text(update[secret]).strip()
    if not text:
        return True
    if is_masked(text):
        return False
    unchanged = env_reference(text) is not None and text == _text(getattr(current, secret, None))
    return not unchanged


def _roles(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """The declared role of each field; a plugin that redefines a field of a settings model (to
    change its default, say) keeps the role declared on the settings model."""
    roles: dict[str, dict[str, Any]] = {}
    for cls in reversed(model.__mro__):
        fields = getattr(cls, "__pydantic_fields__", None)
        if not isinstance(fields, dict):
            continue
        for name, info in fields.items():
            role = _role(info)
            if role:
                roles[name] = role
    return roles


def _role(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    role = extra.get(ROLE_KEY) if isinstance(extra, dict) else None
    return role if isinstance(role, dict) else {}


def _new_value(name: str, info: FieldInfo, update: Mapping[str, Any]) -> Any:
    if name in update:
        return update[name]
    return info.get_default(call_default_factory=True)


def _shown(address: str) -> str:
    """An address as logged: a password written into it (``https://user:pw@host``) stays out."""
    if not address:
        return "(empty)"
    scheme, separator, rest = address.partition("://")
    userinfo, at, host = rest.partition("@") if separator else ("", "", "")
    if at and "/" not in userinfo:
        return f"{scheme}://{userinfo.split(':', 1)[0]}:•••@{host}"
    return address


def _text(value: Any) -> str:
    return "" if value is None else str(value)
