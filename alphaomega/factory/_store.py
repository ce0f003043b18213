"""The factory host's workflows, kept in SQLite in its data dir so they survive a restart.

A workflow that was running when the host stopped is marked ``interrupted`` (with when) the
next time the store opens: it says so instead of pretending to run on. Calls are short and
synchronous; the host runs them in a thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["running", "done", "failed", "refused", "interrupted"]
SCHEMA = """
CREATE TABLE IF NOT EXISTS workflows (
    id TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    events TEXT NOT NULL DEFAULT '[]',
    result TEXT,
    error TEXT
)
"""


class ProgressEvent(BaseModel):
    stage: str
    text: str
    done: bool
    at: float


class WorkflowRecord(BaseModel):
    id: str
    request: str
    status: Status
    created: float
    updated: float
    events: list[ProgressEvent] = Field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None


class WorkflowStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def mark_interrupted(self) -> int:
        """Workflows a stopped host left running: marked interrupted, with when and why."""
        now = time.time()
        note = "interrupted: the factory host stopped while this workflow ran; start it again"
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE workflows SET status = 'interrupted', error = ?, updated = ? "
                "WHERE status = 'running'",
                (note, now),
            )
        return cursor.rowcount

    def create(self, request: str) -> WorkflowRecord:
        now = time.time()
        record = WorkflowRecord(
            id=uuid.uuid4().hex, request=request, status="running", created=now, updated=now
        )
        with self._lock:
            self._conn.execute(
                "INSERT INTO workflows (id, request, status, created, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                (record.id, request, record.status, now, now),
            )
        return record

    def add_event(self, workflow_id: str, stage: str, text: str, done: bool) -> None:
        event = ProgressEvent(stage=stage, text=text, done=done, at=time.time())
        with self._lock, self._conn:
            row = self._conn.execute(
                "SELECT events FROM workflows WHERE id = ?", (workflow_id,)
            ).fetchone()
            if row is None:
                return
            events = [*json.loads(row[0]), event.model_dump()]
            self._conn.execute(
                "UPDATE workflows SET events = ?, updated = ? WHERE id = ?",
                (json.dumps(events), event.at, workflow_id),
            )

    def finish(
        self,
        workflow_id: str,
        status: Status,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE workflows SET status = ?, result = ?, error = ?, updated = ? WHERE id = ?",
                (
                    status,
                    json.dumps(result) if result is not None else None,
                    error,
                    time.time(),
                    workflow_id,
                ),
            )

    def get(self, workflow_id: str) -> WorkflowRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, request, status, created, updated, events, result, error "
                "FROM workflows WHERE id = ?",
                (workflow_id,),
            ).fetchone()
        return _record(row) if row else None

    def list(self, limit: int = 100) -> list[WorkflowRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, request, status, created, updated, '[]', NULL, error "
                "FROM workflows ORDER BY created DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [_record(row) for row in rows]


def _record(row: tuple) -> WorkflowRecord:
    ident, request, status, created, updated, events, result, error = row
    return WorkflowRecord(
        id=ident,
        request=request,
        status=status,
        created=created,
        updated=updated,
        events=json.loads(events),
        result=json.loads(result) if result else None,
        error=error,
    )
