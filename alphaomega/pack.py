"""The pack's process-wide state, closed in one order by one path.

A first step of issue 13's ``Pack``: the runtime loop and backends' client, the fleet, the audit
logs, the tracers and the memory services still live in their modules (each started lazily, on
first use, as before); :class:`Pack` is the one place that closes them, in the order that lets
each drain into the next: tracers flush, memory writers finish, audit logs close, the fleet stops
its probes, then the HTTP client and finally the pack's own loop (an adopted host loop is left
running). :func:`Pack.current` is the process's Pack, created on first use; it is the one
module-level value of this module and registers the one ``atexit`` close.
"""

from __future__ import annotations

import atexit
import logging
import threading

log = logging.getLogger(__name__)

__all__ = ["Pack"]


class Pack:
    """Closes the process-wide state in order; :meth:`close` is idempotent."""

    _current: Pack | None = None
    _current_lock = threading.Lock()

    def __init__(self) -> None:
        self._closed = False
        self._lock = threading.Lock()

    @classmethod
    def current(cls) -> Pack:
        """The process's Pack, created (and its exit close registered) on first use."""
        with cls._current_lock:
            if cls._current is None or cls._current.closed:
                cls._current = cls()
                atexit.register(cls._current.close)
            return cls._current

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for step in (
            _close_tracers,
            _close_memory,
            _close_audit_logs,
            _close_fleet,
            _close_runtime,
        ):
            try:
                step()
            except Exception:
                log.debug("closing %s failed", step.__name__, exc_info=True)


def _close_tracers() -> None:
    from alphaomega.tracing import tracer as tracing

    with tracing._registry_lock:
        tracers = [entry[0] for entry in tracing._registry.values()]
        tracing._registry.clear()
    for tracer in tracers:
        tracer.close(2.0)


def _close_memory() -> None:
    from alphaomega.memory import registry

    with registry._lock:
        services = [entry.service for entry in registry._services.values()]
        registry._services.clear()
    for service in services:
        service.close()


def _close_audit_logs() -> None:
    from alphaomega.safety import audit

    audit._close_all()


def _close_fleet() -> None:
    from alphaomega.fleet.fleet import set_fleet

    set_fleet(None)


def _close_runtime() -> None:
    from alphaomega import runtime

    runtime.shutdown()
