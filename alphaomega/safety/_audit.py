"""The append-only safety audit log: one JSON object per line, never the content itself.

Each line holds the time (ISO-8601, UTC), the user id, the rule, the action taken and the
SHA-256 of the content the rule looked at, plus the stage (inlet/outlet), a count and the model.

Writing never happens on the caller's thread: ``record()`` puts the event on a bounded queue
(dropping, counted and logged, when it is full) and one daemon thread per file appends batches.
The file is opened with ``O_APPEND`` and every batch leaves in one ``os.write`` of whole lines,
so writers in other threads or processes never interleave inside a line.

Where the file lives: the ``audit_log_path`` valve, else ``ALPHAOMEGA_AUDIT_LOG``, else
``audit/safety.jsonl`` under ``ALPHAOMEGA_DATA_DIR``, else beside the Pipelines folder
(``PIPELINES_DIR``'s parent, the data dir ``alphaomega serve`` uses), else ``~/.alphaomega``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..pack import Pack

log = logging.getLogger(__name__)

ENV_PATH = "ALPHAOMEGA_AUDIT_LOG"
ENV_DATA_DIR = "ALPHAOMEGA_DATA_DIR"
RELATIVE_PATH = Path("audit") / "safety.jsonl"
_BATCH = 512


class AuditEvent(BaseModel):
    """One line of the audit log."""

    model_config = ConfigDict(frozen=True)

    time: str = Field(description="ISO-8601 UTC, millisecond precision")
    user_id: str = Field(description="Open WebUI user id, or empty when none was sent")
    rule: str = Field(description="Rule id, e.g. command.recursive_delete or redact.email")
    action: str = Field(description="blocked, redacted or withheld")
    content_sha256: str = Field(description="SHA-256 hex digest of the content, never the content")
    stage: str = Field(default="inlet", description="inlet (user message) or outlet (reply)")
    count: int = Field(default=1, ge=1, description="How many spans the rule masked")
    model: str | None = Field(default=None, description="Model id of the chat")


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_audit_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_PATH, "").strip():
        return Path(env[ENV_PATH].strip()).expanduser()
    if env.get(ENV_DATA_DIR, "").strip():
        return Path(env[ENV_DATA_DIR].strip()).expanduser() / RELATIVE_PATH
    if env.get("PIPELINES_DIR", "").strip():
        pipelines_dir = os.path.abspath(os.path.expanduser(env["PIPELINES_DIR"].strip()))
        return Path(pipelines_dir).parent / RELATIVE_PATH
    return Path.home() / ".alphaomega" / RELATIVE_PATH


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


class AuditLog:
    """Appends events to one JSON Lines file from a background thread."""

    def __init__(self, path: Path | str, *, max_queue: int = 10_000) -> None:
        self.path = Path(path)
        self.dropped = 0
        self._queue: queue.Queue[AuditEvent | _Flush | None] = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._last_warning = 0.0

    def record(self, event: AuditEvent) -> bool:
        """Queue ``event``; never blocks. False when it was dropped (queue full or closed)."""
        if self._closed:
            return False
        self._ensure_writer()
        try:
            self._queue.put_nowait(event)
            return True
        except queue.Full:
            self.dropped += 1
            self._warn(f"audit queue full: {self.dropped} events dropped so far")
            return False

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait (blocking this thread) until everything queued so far is written."""
        if self._thread is None:
            return True
        marker = _Flush()
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.done.wait(timeout)

    async def aflush(self) -> bool:
        """``flush`` from a coroutine, waiting in a worker thread."""
        return await asyncio.to_thread(self.flush)

    def close(self, timeout: float = 5.0) -> None:
        if self._closed:
            return
        self._closed = True
        thread = self._thread
        if thread is not None:
            try:
                self._queue.put(None, timeout=timeout)
            except queue.Full:
                log.warning(
                    "audit queue still full at close; %s events not written", self._queue.qsize()
                )
                return
            thread.join(timeout)

    def _ensure_writer(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"alphaomega-audit:{self.path.name}", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        fd: int | None = None
        try:
            while True:
                item = self._queue.get()
                batch: list[AuditEvent] = []
                markers: list[_Flush] = []
                stop = False
                while True:
                    if item is None:
                        stop = True
                    elif isinstance(item, _Flush):
                        markers.append(item)
                    else:
                        batch.append(item)
                    if stop or len(batch) >= _BATCH:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if batch:
                    fd = self._write(fd, batch)
                for marker in markers:
                    marker.done.set()
                if stop:
                    return
        finally:
            if fd is not None:
                os.close(fd)

    def _write(self, fd: int | None, batch: list[AuditEvent]) -> int | None:
        data = "".join(
            json.dumps(e.model_dump(exclude_none=True), ensure_ascii=False, separators=(",", ":"))
            + "\n"
            for e in batch
        ).encode("utf-8")
        try:
            if fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                fd = os.open(self.path, flags, 0o600)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            return fd
        except OSError as exc:
            self.dropped += len(batch)
            self._warn(f"audit log {self.path} not writable ({exc}); {len(batch)} events lost")
            if fd is not None:
                os.close(fd)
            return None

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._last_warning >= 60:
            self._last_warning = now
            log.warning(message)


def shared_audit_log(path: Path | str | None = None) -> AuditLog:
    """The process-wide writer for ``path`` (default: ``default_audit_path()``), held by the
    current Pack, which closes it after the tracers and memory writers."""
    resolved = Path(path).expanduser() if path else default_audit_path()
    resolved = resolved.absolute()
    pack = Pack.current()
    with pack.audit_lock:
        existing = pack.audit_logs.get(resolved)
        if existing is None or existing._closed:
            existing = pack.audit_logs[resolved] = AuditLog(resolved)
    return existing


def _close_audit_logs(pack: Pack) -> None:
    with pack.audit_lock:
        logs = list(pack.audit_logs.values())
        pack.audit_logs.clear()
    for audit_log in logs:
        audit_log.close(timeout=2.0)


Pack.on_close("audit logs", _close_audit_logs)
