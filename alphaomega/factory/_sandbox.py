"""The sandbox that runs a generated project's own tests.

- a fresh temporary directory holding only the project;
- a subprocess in its own session, with limits set before it starts (``setrlimit``): CPU
  seconds, address space, file size, open files; and a wall-clock limit after which the whole
  process group is killed;
- no network when the host runs as root on Linux: the child enters a new, empty network
  namespace (``unshare(CLONE_NEWNET)``: not even loopback is up), and drops to the ``nobody``
  user before the tests start when that user can run the interpreter (a Python installed
  under root's home cannot be: the tests then run as root inside the namespace, and the result
  says so with ``unprivileged`` false). Otherwise the network stays reachable and the result says so
  (``network_isolated`` false);
- an environment made from scratch: PATH, HOME (the temp dir), LANG and PYTHONPATH; none of the
  host's variables (tokens, keys, proxies) is passed on.

Nothing the model wrote is run anywhere else: the host only reads generated files
(``_checks``) and runs them here.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from pydantic import BaseModel, Field

from ..errors import InputError
from ._stages import GeneratedFile, Verification

log = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
NOBODY = 65534
OUTPUT_TAIL = 4000


class SandboxLimits(BaseModel):
    wall_s: float = Field(default=120.0, gt=0, description="Wall-clock limit of the test run")
    cpu_s: int = Field(default=120, gt=0, description="CPU seconds the test run may use")
    memory_mb: int = Field(default=2048, gt=64, description="Address space of the test run")
    file_mb: int = Field(default=64, gt=0, description="Largest file the test run may write")


def isolation_available() -> bool:
    """A new network namespace can be made (root on Linux)."""
    return sys.platform == "linux" and os.geteuid() == 0


def nobody_can_run() -> bool:
    """Every folder down to the interpreter is open to other users, and it is executable."""
    executable = Path(os.path.realpath(sys.executable))
    paths = [*reversed(executable.parents), executable]
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in paths)


def write_project(files: list[GeneratedFile], root: Path) -> None:
    for f in files:
        target = (root / f.path).resolve()
        if not target.is_relative_to(root.resolve()):
            raise ValueError(f"{f.path} would land outside the project")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f.content, encoding="utf-8")


def run_tests(files: list[GeneratedFile], limits: SandboxLimits | None = None) -> Verification:
    """Run the project's tests (pytest under coverage) in a fresh sandbox; blocking."""
    limits = limits or SandboxLimits()
    isolate = isolation_available()
    drop = isolate and nobody_can_run()
    with tempfile.TemporaryDirectory(prefix="factory-sandbox-") as tmp:
        root = Path(tmp)
        project = root / "project"
        project.mkdir()
        write_project(files, project)
        if drop:
            _hand_over(root, NOBODY)
        command = [
            sys.executable, "-m", "coverage", "run", "--source=app", "--data-file=../.coverage",
            "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=../junit.xml",
            "-o", "console_output_style=classic",
        ]  # fmt: skip
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(root),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(project),
            "PYTHONDONTWRITEBYTECODE": "1",
            "TMPDIR": str(root),
        }
        output, timed_out = _run(command, project, env, limits, isolate, drop)
        passed, failed = _counts(root / "junit.xml")
        coverage = None if timed_out else _coverage(root, env)
    return Verification(
        passed=not timed_out and failed == 0 and passed > 0,
        tests_passed=passed,
        tests_failed=failed if not timed_out else max(failed, 1),
        coverage=coverage,
        timed_out=timed_out,
        network_isolated=isolate,
        unprivileged=drop,
        output_tail=output[-OUTPUT_TAIL:],
    )


def _child_setup(limits: SandboxLimits, isolate: bool, drop: bool):
    cpu, memory = limits.cpu_s, limits.memory_mb * 1024 * 1024
    file_size = limits.file_mb * 1024 * 1024

    def setup() -> None:  # runs in the child between fork and exec: nothing but syscalls
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if isolate:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
        if drop:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        if sys.platform == "linux":
            # The host dies, so does the run. Set after setuid, which clears it.
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    return setup


def _hand_over(root: Path, uid: int) -> None:
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, uid)


def _run(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    limits: SandboxLimits,
    isolate: bool,
    drop: bool,
) -> tuple[str, bool]:
    """The run's output and whether it hit the wall-clock limit (its whole session killed)."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_child_setup(limits, isolate, drop),
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=limits.wall_s)
        return out.decode(errors="replace"), False
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the session: children and grandchildren
        out, _ = process.communicate()
        note = f"\nStopped: the tests ran longer than the {limits.wall_s:g} s limit."
        return out.decode(errors="replace") + note, True


def _counts(junit: Path) -> tuple[int, int]:
    if not junit.exists():
        return 0, 0
    try:
        suite = ET.parse(junit).getroot()
    except ET.ParseError:
        return 0, 0
    suites = [suite] if suite.tag == "testsuite" else list(suite.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - failed - skipped, failed


def _coverage(root: Path, env: dict[str, str]) -> float | None:
    if not (root / ".coverage").exists():
        return None
    report = root / "coverage.json"
    done = subprocess.run(
        [sys.executable, "-m", "coverage", "json", "--data-file=.coverage", "-o", str(report)],
        cwd=root, env=env, capture_output=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0 or not report.exists():
        return None
    totals = json.loads(report.read_text())["totals"]
    return round(totals["percent_covered"] / 100, 4)


def copy_tree(files: list[GeneratedFile], out: Path) -> None:
    """Write the project to ``out``: a new or empty folder, or one the Factory wrote before
    (it has a ``factory-report.json``), which is replaced. Any other folder is left alone."""
    if out.exists() and any(out.iterdir()):
        if not (out / "factory-report.json").is_file():
            raise InputError(f"{out} is not empty; give a new folder for the project")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    write_project(files, out)
