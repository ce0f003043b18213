"""The sandbox: a project's tests run with no network, no host secrets, and limits."""

import socket
import threading

import pytest

from alphaomega.factory import GeneratedFile, SandboxLimits, isolation_available, run_tests


def project(test_body: str) -> list[GeneratedFile]:
    return [
        GeneratedFile(path="app/__init__.py", content="VALUE = 1\n"),
        GeneratedFile(path="pytest.ini", content="[pytest]\ntestpaths = tests\npythonpath = .\n"),
        GeneratedFile(path="tests/test_it.py", content=test_body),
    ]


def test_passing_and_failing_tests_are_counted():
    body = (
        "from app import VALUE\n\n"
        "def test_one():\n    assert VALUE == 1\n\n"
        "def test_two():\n    assert VALUE == 2\n\n"
        "def test_three():\n    assert VALUE\n"
    )
    result = run_tests(project(body))
    assert (result.tests_passed, result.tests_failed) == (2, 1)
    assert not result.passed
    assert "assert 1 == 2" in result.output_tail
    assert result.coverage == 1.0


@pytest.fixture
def listener():
    """A TCP server on the host's loopback that accepts anything."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@pytest.mark.skipif(not isolation_available(), reason="a network namespace needs root on Linux")
def test_network_is_refused(listener):
    body = (
        "import socket\n\n"
        "def test_reach_the_host():\n"
        f"    socket.create_connection(('127.0.0.1', {listener}), timeout=5).close()\n\n"
        "def test_reach_outside():\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=5).close()\n"
    )
    # The same connection works from here: the sandbox, not the port, is what refuses it.
    socket.create_connection(("127.0.0.1", listener), timeout=5).close()
    result = run_tests(project(body))
    assert result.network_isolated
    assert (result.tests_passed, result.tests_failed) == (0, 2)
    assert "OSError" in result.output_tail or "unreachable" in result.output_tail


def test_runaway_test_is_stopped_at_its_time_limit():
    body = (
        "import subprocess, sys\n\n"
        "def test_forever():\n"
        "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "    while True:\n        pass\n"
    )
    result = run_tests(project(body), SandboxLimits(wall_s=5, cpu_s=60))
    assert result.timed_out and not result.passed
    assert "longer than the 5 s limit" in result.output_tail


def test_cpu_limit_stops_a_busy_test():
    body = "def test_spin():\n    while True:\n        pass\n"
    result = run_tests(project(body), SandboxLimits(wall_s=120, cpu_s=2))
    assert not result.passed


def test_memory_limit_holds():
    body = "def test_hog():\n    block = bytearray(3 * 1024**3)\n    assert block\n"
    result = run_tests(project(body), SandboxLimits(memory_mb=512))
    assert result.tests_failed == 1
    assert "MemoryError" in result.output_tail


def test_host_secrets_stay_out(monkeypatch):
    monkeypatch.setenv("ALPHAOMEGA_SECRET_TEST", "s3cret")
    monkeypatch.setenv("PIPELINES_API_KEY", "k3y")
    body = (
        "import os\n\n"
        "def test_env():\n"
        "    assert 's3cret' not in os.environ.values()\n"
        "    assert 'PIPELINES_API_KEY' not in os.environ\n"
        "    assert os.environ['HOME'].startswith(os.environ['TMPDIR'])\n"
    )
    result = run_tests(project(body))
    assert result.passed, result.output_tail
