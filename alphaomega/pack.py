"""The pack's process-wide state: one object owns it, hands it out and closes it in order.

A :class:`Pack` holds the runtime's loop (its own, in a daemon thread, or an adopted host loop),
the backends' HTTP client, the fleet, the audit logs (by path), the tracers (by config key), the
memory services and the routing classifier's model. Each is created lazily, on first use, by the
module that knows how (``runtime``, ``fleet.fleet``, ``safety.audit``, ``tracing.tracer``,
``memory.registry``, ``routing.classifier``); their module-level accessors keep their names and
work on :meth:`Pack.current`. :meth:`Pack.close` closes the state in the order that lets each
drain into the next: tracers flush, memory writers finish, audit logs close, the fleet stops its
probes, then the HTTP client and finally the pack's own loop (an adopted host loop is left
running). ``Pack.current()`` is the process's Pack, created on first use; it is the one
module-level value of this module and registers the one ``atexit`` close. Tests install a Pack
of their own (:meth:`Pack.install`) instead of resetting globals.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    from pathlib import Path

    import httpx

    from alphaomega.fleet.fleet import Fleet
    from alphaomega.routing._model import NaiveBayes
    from alphaomega.safety.audit import AuditLog
    from alphaomega.tracing.tracer import Tracer

log = logging.getLogger(__name__)

__all__ = ["Pack"]


class Pack:
    """Owns the process-wide state (created lazily by its modules); :meth:`close` is idempotent."""

    _current: Pack | None = None
    _current_lock = threading.Lock()

    def __init__(self) -> None:
        self._closing = False  # close() has begun: what it closes may still use the Pack
        self._closed = False
        self._lock = threading.Lock()
        # The runtime (alphaomega.runtime): the loop, its thread, the shared client.
        self.runtime_lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.loop_thread: threading.Thread | None = None
        self.client: httpx.AsyncClient | None = None
        self.adopted = False
        # The fleet (alphaomega.fleet.fleet).
        self.fleet_lock = threading.Lock()
        self.fleet: Fleet | None = None
        # The audit logs, by absolute path (alphaomega.safety.audit).
        self.audit_lock = threading.Lock()
        self.audit_logs: dict[Path, AuditLog] = {}
        # The tracers with their users, by config identity (alphaomega.tracing.tracer).
        self.tracer_lock = threading.Lock()
        self.tracers: dict[tuple[object, ...], tuple[Tracer, int]] = {}
        # The memory services with their holders, by backend key (alphaomega.memory.registry).
        self.memory_lock = threading.Lock()
        self.memory_services: dict[tuple[str, ...], Any] = {}
        # The routing classifier's trained model (alphaomega.routing.classifier).
        self.classifier_lock = threading.Lock()
        self.classifier_model: NaiveBayes | None = None

    @classmethod
    def current(cls) -> Pack:
        """The process's Pack, created (and its exit close registered) on first use."""
        pack = cls._current
        if pack is not None and not pack._closed:
            return pack
        with cls._current_lock:
            if cls._current is None or cls._current.closed:
                cls._current = cls()
                atexit.register(cls._current.close)
            return cls._current

    @classmethod
    def install(cls, pack: Pack | None) -> Pack | None:
        """Make ``pack`` the current one (tests: a Pack of their own); returns the one before."""
        with cls._current_lock:
            previous, cls._current = cls._current, pack
        return previous

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
        for step in (
            _close_tracers,
            _close_memory,
            _close_audit_logs,
            _close_fleet,
            _close_runtime,
        ):
            try:
                step(self)
            except Exception:
                log.debug("closing %s failed", step.__name__, exc_info=True)
        self._closed = True


def _close_tracers(pack: Pack) -> None:
    with pack.tracer_lock:
        tracers = [entry[0] for entry in pack.tracers.values()]
        pack.tracers.clear()
    for tracer in tracers:
        tracer.close(2.0)


def _close_memory(pack: Pack) -> None:
    with pack.memory_lock:
        services = [entry.service for entry in pack.memory_services.values()]
        pack.memory_services.clear()
    for service in services:
        service.close()


def _close_audit_logs(pack: Pack) -> None:
    with pack.audit_lock:
        logs = list(pack.audit_logs.values())
        pack.audit_logs.clear()
    for audit_log in logs:
        audit_log.close(timeout=2.0)


def _close_fleet(pack: Pack) -> None:
    with pack.fleet_lock:
        fleet, pack.fleet = pack.fleet, None
    if fleet is not None:
        fleet.close()


def _close_runtime(pack: Pack) -> None:
    from alphaomega import runtime

    runtime.shutdown_pack(pack)
