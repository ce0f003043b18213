"""The template path: every request of the set becomes a project whose own tests pass in the
sandbox, and whose code names the request's entities."""

import asyncio
import json
import re
from pathlib import Path

import pytest

from alphaomega.factory import FactoryOptions, run_workflow

REQUESTS = [
    json.loads(line)
    for line in (Path(__file__).parents[1] / "data" / "factory_requests.jsonl").open()
]


def test_request_set_covers_languages_and_app_types():
    assert len(REQUESTS) >= 12
    assert {r["lang"] for r in REQUESTS} >= {"en", "de", "es"}
    assert {r["app_type"] for r in REQUESTS} == {"rest_api", "cli", "worker", "web"}


@pytest.mark.parametrize("case", REQUESTS, ids=lambda case: case["text"][:40])
def test_template_project_passes_its_tests(case, tmp_path):
    out = tmp_path / "project"
    result = asyncio.run(run_workflow(case["text"], FactoryOptions(), out))
    report = result.report
    assert report.passed, result.verification.output_tail
    assert report.tests_failed == 0 and report.tests_passed >= 5
    assert report.coverage is not None and report.coverage >= 0.7
    assert [s.name for s in report.stages] == [
        "intent", "specification", "architecture", "generation", "assembly", "verification",
        "delivery",
    ]  # fmt: skip
    code = "\n".join(p.read_text() for p in (out / "app").rglob("*.py"))
    tests = "\n".join(p.read_text() for p in (out / "tests").glob("test_*.py"))
    for entity in case["entities"]:
        class_name = "".join(part.capitalize() for part in entity.split("_"))
        assert re.search(rf"class {class_name}(In|Repository)?\b", code), entity
        assert re.search(rf"\b(create|submit)_{entity}\b|\"{entity}\"", code), entity
        assert (out / "tests" / f"test_{entity}.py").exists()
        assert entity in tests
    saved = json.loads((out / "factory-report.json").read_text())
    assert saved["tests_passed"] == report.tests_passed and saved["stages"]


def test_flask_project_uses_flask(tmp_path):
    text = "A Flask REST API for a gym that manages members and trainers"
    asyncio.run(run_workflow(text, FactoryOptions(), tmp_path / "p"))
    main = (tmp_path / "p" / "app" / "main.py").read_text()
    assert "from flask import" in main and "fastapi" not in main


def test_out_dir_of_someone_else_is_left_alone(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(Exception, match="not empty"):
        asyncio.run(run_workflow("a CLI to track expenses", FactoryOptions(), tmp_path))
    assert (tmp_path / "mine.txt").read_text() == "keep me"
