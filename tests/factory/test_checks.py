"""The per-file checks: syntax and imports resolvable inside the project."""

from alphaomega.factory import GeneratedFile, check_file


def f(path, content):
    return GeneratedFile(path=path, content=content)


PROJECT = [
    f("app/__init__.py", ""),
    f("app/models.py", "class Book: ...\n"),
    f("app/main.py", "from .models import Book\nimport fastapi\nimport json\n"),
    f("tests/conftest.py", "SAMPLES = {}\n"),
]


def test_good_files_pass():
    for file in PROJECT:
        assert check_file(file, PROJECT) is None


def test_syntax_error_is_refused_with_its_line():
    bad = f("app/main.py", "def broken(:\n    pass\n")
    assert "app/main.py:1: syntax error" in check_file(bad, PROJECT)


def test_import_that_resolves_nowhere_is_refused():
    bad = f("app/main.py", "from .storage import save\n")
    assert "app.storage" in check_file(bad, PROJECT)
    bad = f("app/main.py", "import requests_toolbelt\n")
    assert "requests_toolbelt" in check_file(bad, PROJECT)


def test_project_and_test_imports_resolve():
    test = f("tests/test_book.py", "from conftest import SAMPLES\nfrom app.models import Book\n")
    assert check_file(test, [*PROJECT, test]) is None


def test_path_outside_the_project_is_refused():
    assert "not a path inside" in check_file(f("../evil.py", "x = 1\n"), PROJECT)
    assert "not a path inside" in check_file(f("/etc/passwd", "x\n"), PROJECT)


def test_non_python_files_are_not_parsed():
    assert check_file(f("README.md", "def (:"), PROJECT) is None
