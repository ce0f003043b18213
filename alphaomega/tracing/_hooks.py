"""What the Langfuse filter does at inlet and outlet: note, match, hand off, return.

Both hooks return the body they were given, untouched, and never raise: tracing that fails must
not be the reason a chat fails. They do no I/O and never wait: the inlet stores a start record in
a bounded map, the outlet turns it and the outlet body into a :class:`~._turns.TurnRecord` and
queues it with :meth:`Tracer.submit`, which drops (and counts) rather than wait.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ._config import (
    ENV_PUBLIC_KEY,
    ENV_SECRET_KEY,
    TracingConfig,
    missing_keys_message,
    resolve_config,
)
from ._pending import OpenTurns
from ._tracer import Tracer, acquire_tracer, release_tracer
from ._turns import finish_turn, outlet_keys, start_turn

log = logging.getLogger(__name__)


class TracingHooks:
    def __init__(self, clock: Callable[[], int] = time.time_ns) -> None:
        self._clock = clock
        self._open = OpenTurns()
        self._tracer: Tracer | None = None
        self._config: TracingConfig | None = None
        self._off_reason: str | None = None
        self._failures_logged = 0
        self.configured = False

    @property
    def tracer(self) -> Tracer | None:
        return self._tracer

    @property
    def open_turns(self) -> OpenTurns:
        return self._open

    def configure(
        self,
        *,
        public_key: str = "",
        secret_key: str | None = None,
        base_url: str = "",
        **tuning: Any,
    ) -> bool:
        """Apply settings (valves over environment); ``False`` means tracing is off."""
        try:
            config = resolve_config(
                public_key=public_key, secret_key=secret_key, base_url=base_url, **tuning
            )
            reason = (
                None if config else missing_keys_message(public_key, bool(secret_key), base_url)
            )
        except ValidationError as exc:
            config = None
            problems = "; ".join(
                f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
            )
            reason = f"Langfuse tracing is off: bad setting ({problems})"
        self._switch_to(config)
        if reason and reason != self._off_reason:
            # No key at all is the default start (`alphaomega serve` says tracing is off in its
            # start-up block); half a configuration is a problem worth a warning.
            default_start = not (
                public_key.strip()
                or secret_key
                or os.environ.get(ENV_PUBLIC_KEY)
                or os.environ.get(ENV_SECRET_KEY)
            )
            log.log(logging.DEBUG if default_start else logging.WARNING, reason)
        self._off_reason = reason
        self.configured = True
        return config is not None

    def inlet(self, body: dict[str, Any], user: dict[str, Any] | None = None) -> dict[str, Any]:
        tracer, config = self._tracer, self._config
        if tracer is None or tracer.closed or config is None or not isinstance(body, dict):
            return body
        try:
            start = start_turn(
                body,
                user,
                self._clock(),
                max_chars=config.max_message_chars,
                max_messages=config.max_messages,
            )
            if start is not None:
                self._open.add(start)
        except Exception as exc:
            self._note_failure("inlet", exc)
        return body

    def outlet(self, body: dict[str, Any], user: dict[str, Any] | None = None) -> dict[str, Any]:
        tracer, config = self._tracer, self._config
        if tracer is None or tracer.closed or config is None or not isinstance(body, dict):
            return body
        try:
            now = self._clock()
            start = self._open.take(outlet_keys(body, user))
            record = finish_turn(
                start,
                body,
                user,
                now,
                max_chars=config.max_message_chars,
                max_messages=config.max_messages,
            )
            if record is not None:
                tracer.submit(record)
        except Exception as exc:
            self._note_failure("outlet", exc)
        return body

    async def aflush(self, wait_s: float = 10.0) -> bool:
        tracer = self._tracer
        return await tracer.aflush(wait_s) if tracer else True

    async def aclose(self, wait_s: float = 5.0) -> None:
        tracer, self._tracer, self._config = self._tracer, None, None
        self.configured = False
        if tracer is not None:
            await asyncio.to_thread(release_tracer, tracer, wait_s)

    def _switch_to(self, config: TracingConfig | None) -> None:
        if (
            config is not None
            and self._config is not None
            and config.identity() == self._config.identity()
        ):
            return
        old = self._tracer
        self._tracer = acquire_tracer(config) if config is not None else None
        self._config = config
        if config is not None:
            self._open.resize(config.max_open_turns, config.open_turn_ttl_s)
            log.info(
                "Langfuse tracing to %s (project %s, sample rate %s)",
                config.base_url,
                config.public_key,
                config.sample_rate,
            )
        if old is not None:
            release_tracer(old)

    def _note_failure(self, hook: str, exc: Exception) -> None:
        # Loud once, then quiet: a body shape we do not understand would repeat on every turn.
        self._failures_logged += 1
        level = logging.WARNING if self._failures_logged == 1 else logging.DEBUG
        log.log(level, "Langfuse tracing skipped a turn at %s: %r", hook, exc, exc_info=True)
