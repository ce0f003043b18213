"""`alphaomega factory build` from a terminal: the project, factory-report.json, the exit code."""

import json
import os
import subprocess
import sys


def build(*args, cwd):
    env = {**os.environ, "ALPHAOMEGA_FLEET": "http://127.0.0.1:9"}
    return subprocess.run(
        [sys.executable, "-m", "alphaomega", "factory", "build", *args],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd,
    )  # fmt: skip


def test_build_without_a_model_writes_the_project_and_its_report(tmp_path):
    out = tmp_path / "recetas"
    done = build(
        "Una herramienta de línea de comandos para gestionar recetas e ingredientes",
        "--out", str(out), "--no-llm", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Tests: " in done.stdout
    report = json.loads((out / "factory-report.json").read_text())
    assert report["tests_failed"] == 0 and report["tests_passed"] >= 5
    assert report["coverage"] >= 0.7
    assert [s["name"] for s in report["stages"]][0] == "intent"
    assert all(s["seconds"] >= 0 for s in report["stages"])
    assert (out / "tests" / "test_receta.py").exists()
    assert (out / "tests" / "test_ingrediente.py").exists()


def test_a_request_it_cannot_build_exits_non_zero_with_the_reason(tmp_path):
    done = build("hello there", "--out", str(tmp_path / "x"), "--no-llm", cwd=tmp_path)
    assert done.returncode == 2
    assert "what kind of app" in done.stderr
    assert not (tmp_path / "x").exists()


def test_models_down_still_builds_from_templates(tmp_path):
    done = build("a CLI to track expenses", "--out", str(tmp_path / "p"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "note: The models could not write the project" in done.stdout


def test_a_project_that_misses_its_goal_exits_1(tmp_path):
    # The CLI template's tests leave its `if __name__ == "__main__"` line unrun: below 100 %.
    done = build(
        "a command-line tool to keep track of expenses", "--out", str(tmp_path / "p"),
        "--no-llm", "--coverage-goal", "1.0", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "p" / "factory-report.json").read_text())
    assert report["tests_failed"] == 0 and report["coverage"] < 1.0 and not report["passed"]


def test_a_coverage_goal_below_the_limit_is_refused(tmp_path):
    done = build("a CLI to track expenses", "--out", str(tmp_path / "p"), "--no-llm",
                 "--coverage-goal", "0.5", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "70%" in done.stderr
    done = build("a CLI to track expenses", "--out", str(tmp_path / "p"), "--no-llm",
                 "--coverage-goal", "2", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "bad option" in done.stderr
