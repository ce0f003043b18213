"""Langfuse tracing: one trace per chat turn, exported in the background.

The filter (``filters/langfuse_filter.py``) calls :class:`TracingHooks`; the hooks build a
:class:`TurnRecord` per turn (pure logic in :mod:`._turns` and :mod:`._bodies`) and hand it to the
process's :class:`Tracer` for its config, which makes the spans with the Langfuse SDK 5.x and
exports them over OTLP/HTTP. Secret valves are handled by :mod:`._secrets`.

The SDK is imported only on the tracing thread, so importing this package stays cheap.
"""

from ._config import TracingConfig, missing_keys_message, resolve_config
from ._hooks import TracingHooks
from ._pending import OpenTurns
from ._secrets import SecretStore, absorb_secret, mask, resolve_secret
from ._settings import LangfuseSettings
from ._tracer import Tracer, acquire_tracer, release_tracer
from ._turns import (
    META_MEMORY,
    META_ROUTE,
    META_SAFETY,
    TurnRecord,
    TurnStart,
    finish_turn,
    start_turn,
    trace_id_for,
)

__all__ = [
    "META_MEMORY",
    "META_ROUTE",
    "META_SAFETY",
    "LangfuseSettings",
    "OpenTurns",
    "SecretStore",
    "Tracer",
    "TracingConfig",
    "TracingHooks",
    "TurnRecord",
    "TurnStart",
    "absorb_secret",
    "acquire_tracer",
    "finish_turn",
    "mask",
    "missing_keys_message",
    "release_tracer",
    "resolve_config",
    "resolve_secret",
    "start_turn",
    "trace_id_for",
]
