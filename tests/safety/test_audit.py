"""The audit log: valid JSON Lines, never the content, whole lines under concurrency."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import threading
from datetime import datetime
from pathlib import Path

import pytest

from alphaomega.safety._audit import (
    AuditEvent,
    AuditLog,
    content_sha256,
    default_audit_path,
    shared_audit_log,
    utc_now,
)

SECRET_MESSAGE = "my password is hunter22x and my mail is jane.doe@acme.io"


def event(
    rule: str = "redact.email", user: str = "u-1", content: str = SECRET_MESSAGE
) -> AuditEvent:
    return AuditEvent(
        time=utc_now(),
        user_id=user,
        rule=rule,
        action="redacted",
        content_sha256=content_sha256(content),
        model="alphaomega_code.qwen",
    )


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_line_holds_time_user_rule_action_and_hash_but_never_the_content(tmp_path):
    path = tmp_path / "audit" / "safety.jsonl"
    log = AuditLog(path)
    assert log.record(event()) and log.record(event(rule="command.recursive_delete"))
    assert log.flush()
    raw = path.read_text(encoding="utf-8")
    assert "hunter22x" not in raw and "jane.doe" not in raw and "password" not in raw
    lines = read_lines(path)
    assert [line["rule"] for line in lines] == ["redact.email", "command.recursive_delete"]
    first = lines[0]
    assert first["user_id"] == "u-1" and first["action"] == "redacted"
    assert first["content_sha256"] == hashlib.sha256(SECRET_MESSAGE.encode()).hexdigest()
    assert first["time"].endswith("Z")
    assert (
        datetime.fromisoformat(first["time"].replace("Z", "+00:00")).utcoffset().total_seconds()
        == 0
    )
    log.close()


def test_the_file_is_appended_to_and_private(tmp_path):
    path = tmp_path / "safety.jsonl"
    path.write_text('{"kept":true}\n')
    log = AuditLog(path)
    log.record(event())
    log.close()
    lines = read_lines(path)
    assert lines[0] == {"kept": True} and lines[1]["rule"] == "redact.email"
    new_path = tmp_path / "fresh" / "a.jsonl"
    fresh = AuditLog(new_path)
    fresh.record(event())
    fresh.close()
    assert new_path.stat().st_mode & 0o777 == 0o600


def test_threads_sharing_writers_never_split_a_line(tmp_path):
    path = tmp_path / "shared.jsonl"
    logs = [AuditLog(path) for _ in range(4)]  # separate fds, as separate processes would have

    def hammer(log: AuditLog, worker: int) -> None:
        for i in range(500):
            log.record(event(rule=f"rule.{worker}.{i}", user="x" * (i % 300)))

    threads = [threading.Thread(target=hammer, args=(logs[w % 4], w)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for log in logs:
        log.close()
    lines = read_lines(path)
    assert len(lines) == 8 * 500
    assert len({line["rule"] for line in lines}) == 8 * 500


def _child_writes(path: str, worker: int) -> None:
    log = AuditLog(path)
    for i in range(300):
        log.record(event(rule=f"proc.{worker}.{i}", user="y" * (i * 7 % 2000)))
    log.close()


def test_processes_appending_to_one_file_never_split_a_line(tmp_path):
    path = tmp_path / "procs.jsonl"
    context = multiprocessing.get_context("spawn")  # no inherited locks or threads
    children = [context.Process(target=_child_writes, args=(str(path), w)) for w in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    lines = read_lines(path)
    assert sorted(line["rule"] for line in lines) == sorted(
        f"proc.{w}.{i}" for w in range(4) for i in range(300)
    )


def test_a_full_queue_drops_and_counts_instead_of_blocking(tmp_path):
    blocker = threading.Event()
    log = AuditLog(tmp_path / "full.jsonl", max_queue=3)
    original = log._write

    def slow_write(fd, batch):
        blocker.wait(10)
        return original(fd, batch)

    log._write = slow_write
    results = [log.record(event(rule=f"r{i}")) for i in range(20)]
    assert results.count(False) == log.dropped > 0
    blocker.set()
    assert log.flush()
    written = read_lines(tmp_path / "full.jsonl")
    assert len(written) == results.count(True)
    log.close()


def test_an_unwritable_path_loses_events_but_never_raises(tmp_path):
    blocked_dir = tmp_path / "not-a-dir"
    blocked_dir.write_text("a file where a folder should be")
    log = AuditLog(blocked_dir / "audit.jsonl")
    assert log.record(event())
    assert log.flush()
    assert log.dropped == 1
    log.close()
    assert not log.record(event()), "a closed log refuses events"


@pytest.mark.parametrize(
    "env,expected",
    [
        ({"ALPHAOMEGA_AUDIT_LOG": "/x/a.jsonl", "ALPHAOMEGA_DATA_DIR": "/d"}, "/x/a.jsonl"),
        ({"ALPHAOMEGA_DATA_DIR": "/d", "PIPELINES_DIR": "/p/pipelines"}, "/d/audit/safety.jsonl"),
        ({"PIPELINES_DIR": "/srv/pack/pipelines"}, "/srv/pack/audit/safety.jsonl"),
    ],
)
def test_default_path_prefers_the_explicit_setting_then_the_data_dir(env, expected):
    assert default_audit_path(env) == Path(expected)


def test_default_path_without_settings_is_under_home():
    assert default_audit_path({}).parts[-3:] == (".alphaomega", "audit", "safety.jsonl")


def test_shared_log_is_one_writer_per_file(tmp_path):
    first = shared_audit_log(tmp_path / "s.jsonl")
    assert shared_audit_log(str(tmp_path / "s.jsonl")) is first
    assert shared_audit_log(tmp_path / "other.jsonl") is not first
    first.close()
    assert shared_audit_log(tmp_path / "s.jsonl") is not first, "a closed writer is replaced"
