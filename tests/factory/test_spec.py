"""Specification and architecture on their own: the seed's constraints, the layout."""

import pytest

from alphaomega.factory import ConstraintViolation, design, extract_intent, specify

BOOKS = "a bookstore inventory API that tracks books and authors"


def test_specification_lists_each_entity_and_the_limits():
    spec = specify(extract_intent(BOOKS))
    assert any(line.startswith("Book records") for line in spec.functional)
    assert any(line.startswith("Author records") for line in spec.functional)
    assert spec.complexity <= 10 and spec.scalability >= 5
    assert spec.test_coverage_goal >= 0.7 and spec.security_level == "standard"


def test_coverage_goal_below_seventy_percent_is_refused():
    with pytest.raises(ConstraintViolation, match="70%"):
        specify(extract_intent(BOOKS), coverage_goal=0.5)


def test_basic_security_for_an_http_app_is_refused():
    with pytest.raises(ConstraintViolation, match="standard"):
        specify(extract_intent(BOOKS), security_level="basic")


def test_too_complex_is_refused():
    text = (
        "a web app that tracks books, authors, shelves, rooms, loans and members with name, "
        "title, email, phone, address, price, stock, year, rating, notes, status and category"
    )
    with pytest.raises(ConstraintViolation, match="complexity"):
        specify(extract_intent(text))


@pytest.mark.parametrize(
    ("text", "pattern", "must_have"),
    [
        (BOOKS, "layered", ["app/main.py", "app/repository.py", "tests/test_book.py"]),
        ("a CLI to track expenses", "layered", ["app/cli.py", "tests/test_expense.py"]),
        (
            "a background worker that processes invoices",
            "event-driven",
            ["app/worker.py", "tests/test_health.py"],
        ),
        ("a web app to manage recipes", "mvc", ["app/static/index.html", "app/static/app.js"]),
    ],
)
def test_architecture_per_app_type(text, pattern, must_have):
    architecture = design(specify(extract_intent(text)))
    assert architecture.pattern == pattern
    assert set(must_have) <= set(architecture.files)
    assert architecture.interfaces


def test_interfaces_name_the_routes():
    architecture = design(specify(extract_intent(BOOKS)))
    names = {i.name for i in architecture.interfaces}
    assert {"/books", "/authors", "BookRepository", "AuthorRepository"} <= names
