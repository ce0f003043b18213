"""The pack's process-wide state: one object owns it, hands it out and closes it in order.

A :class:`Pack` holds the runtime's loop (its own, in a daemon thread, or an adopted host loop),
the backends' HTTP client, the fleet, the audit logs (by path), the tracers (by config key), the
memory services and the routing classifier's model. Each is created lazily, on first use, by the
module that knows how (``runtime``, the fleet, the safety audit, the tracer, the memory registry,
the routing classifier); their module-level accessors keep their names and work on
:meth:`Pack.current`. The Pack imports none of them: it holds their values as plain attributes,
and each module that fills a slot registers, at import, the step that closes it
(:meth:`Pack.on_close`). :meth:`Pack.close` runs those steps in :data:`CLOSE_ORDER`, the order that
lets each drain into the next: tracers flush, memory writers finish, audit logs close, the fleet
stops its probes, then the HTTP client and finally the pack's own loop (an adopted host loop is
left running). ``Pack.current()`` is the process's Pack, created on first use; it is the one
module-level value of this module and registers the one ``atexit`` close. Tests install a Pack of
their own (:meth:`Pack.install`) instead of resetting globals.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import asyncio
    from pathlib import Path

    import httpx

log = logging.getLogger(__name__)

__all__ = ["CLOSE_ORDER", "Pack"]

# The parts a Pack closes, in order: each drains into the ones after it.
CLOSE_ORDER = ("tracers", "memory", "audit logs", "fleet", "runtime")


class Pack:
    """Owns the process-wide state (created lazily by its modules); :meth:`close` is idempotent."""

    _current: Pack | None = None
    _current_lock = threading.Lock()
    # part -> the step that closes it, registered by the module that fills that part's slot.
    _close_steps: ClassVar[dict[str, Callable[[Pack], None]]] = {}

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
        # The fleet (alphaomega.fleet).
        self.fleet_lock = threading.Lock()
        self.fleet: Any = None
        # The audit logs, by absolute path (alphaomega.safety).
        self.audit_lock = threading.Lock()
        self.audit_logs: dict[Path, Any] = {}
        # The tracers with their users, by config identity (alphaomega.tracing).
        self.tracer_lock = threading.Lock()
        self.tracers: dict[tuple[object, ...], tuple[Any, int]] = {}
        # The memory services with their holders, by backend key (alphaomega.memory).
        self.memory_lock = threading.Lock()
        self.memory_services: dict[tuple[str, ...], Any] = {}
        # The routing classifier's trained model (alphaomega.routing).
        self.classifier_lock = threading.Lock()
        self.classifier_model: Any = None

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

    @classmethod
    def on_close(cls, part: str, step: Callable[[Pack], None]) -> None:
        """Register the step that closes ``part`` (one of :data:`CLOSE_ORDER`) of every Pack."""
        if part not in CLOSE_ORDER:
            raise ValueError(f"unknown part {part!r}; the parts are {CLOSE_ORDER}")
        cls._close_steps[part] = step

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
        for part in CLOSE_ORDER:
            step = self._close_steps.get(part)
            if step is None:  # its module was never imported: that part was never filled
                continue
            try:
                step(self)
            except Exception:
                log.debug("closing the %s failed", part, exc_info=True)
        self._closed = True
