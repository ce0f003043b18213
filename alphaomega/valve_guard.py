"""Checks a valves update before the server applies it (no I/O).

The front door calls :func:`check_valves_update` for an authorised valves update of a loaded
plugin: ``warnings`` go to the log at WARNING, a ``refusal`` is answered 400 and nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class ValvesVerdict:
    """What the front door does with an update: log ``warnings``, refuse if ``refusal``."""

    warnings: list[str] = field(default_factory=list)
    refusal: str | None = None


def check_valves_update(
    plugin_id: str, current: BaseModel, update: Mapping[str, Any]
) -> ValvesVerdict:
    """The verdict on replacing the valves ``current`` of ``plugin_id`` by ``update``."""
    return ValvesVerdict()
