"""The host's guards without a display: the rate limit's window and the audit's lines."""

from __future__ import annotations

import json
import os
import stat
import threading

from alphaomega.agent import ActionAudit, RateLimit


def test_the_rate_limit_is_a_sliding_minute():
    now = [1000.0]
    limit = RateLimit(2, clock=lambda: now[0])
    assert limit.take() == 0 and limit.take() == 0
    assert limit.take() == 60.0
    now[0] += 30
    assert limit.take() == 30.0
    now[0] += 30  # the first two leave the window
    assert limit.take() == 0


def test_the_audit_appends_whole_lines_from_many_threads(tmp_path):
    path = tmp_path / "audit" / "agent.jsonl"
    path.parent.mkdir()
    path.write_text('{"kept": true}\n')
    os.chmod(path, 0o600)
    audit = ActionAudit(path)

    def write(n):
        for i in range(50):
            audit.record(
                user=f"u{n}",
                action="x" * 3000 + str(i),
                allowed=False,
                rules=["import"],
                screenshot_sha256="0" * 64,
            )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"kept": True} and len(lines) == 201
    assert {line["user"] for line in lines[1:]} == {"u0", "u1", "u2", "u3"}
    assert set(lines[1]) == {
        "time",
        "user",
        "action",
        "allowed",
        "rules",
        "screenshot_sha256",
        "done",
    }
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
