"""The Factory model's answer (no I/O): summary, stages, tree, key files, failures, download."""

from alphaomega.factory import render_answer


def view(**report_changes):
    report = {
        "app_type": "rest_api",
        "entities": ["book", "author"],
        "pattern": "layered",
        "files": 12,
        "tests_passed": 12,
        "tests_failed": 0,
        "coverage": 0.97,
        "passed": True,
        "network_isolated": True,
        "stages": [{"name": "intent", "seconds": 0.01, "summary": "Intent: REST API"}],
        **report_changes,
    }
    return {
        "id": "a" * 32,
        "status": "done",
        "result": {
            "report": report,
            "tree": "app/\n  main.py",
            "key_files": {"app/main.py": "def create_book():\n    pass\n"},
            "zip_path": "/data/workflows/x/book-author-rest-api.zip",
            "notes": [],
            "output_tail": "E   assert 1 == 2" if not report["passed"] else "",
        },
        "download": "/api/v1/factory/workflow/x/download",
        "download_sig": "abc",
    }


def test_a_passing_project():
    text = render_answer(view(), "http://factory:5009/")
    assert text.startswith("**REST API** for book, author — layered architecture, 12 files.")
    assert "**Tests: 12 passed, 0 failed, coverage 97%** (✅ tests pass)." in text
    assert "- Intent: REST API (0.01 s)" in text
    assert "```text\napp/\n  main.py\n```" in text
    assert "**app/main.py**\n```python\ndef create_book():" in text
    assert text.endswith(
        "📦 **Download:** [book-author-rest-api.zip]"
        "(http://factory:5009/api/v1/factory/workflow/x/download?sig=abc)"
    )


def test_failing_tests_show_their_output_and_an_open_network_is_said():
    text = render_answer(
        view(passed=False, tests_failed=1, network_isolated=False), "http://f:5009"
    )
    assert "❌ tests fail; the sandbox had network access" in text
    assert "**Test output**\n```text\nE   assert 1 == 2" in text


def test_a_refused_workflow_says_why():
    refused = {"status": "refused", "error": "Tell me what kind of app to build"}
    assert render_answer(refused, "http://f") == (
        "⚠️ The Factory did not build this app: Tell me what kind of app to build"
    )
