"""The intent stage on its own: app type, language, entities, fields, refusals."""

import json
from pathlib import Path

import pytest

from alphaomega.errors import InputError
from alphaomega.factory import extract_intent

REQUESTS = [
    json.loads(line)
    for line in (Path(__file__).parents[1] / "data" / "factory_requests.jsonl").open()
]


@pytest.mark.parametrize("case", REQUESTS, ids=lambda case: case["text"][:40])
def test_request_set(case):
    intent = extract_intent(case["text"])
    assert intent.language == case["lang"]
    assert intent.app_type == case["app_type"]
    assert intent.framework == case["framework"]
    assert [e.name for e in intent.entities] == case["entities"]


def test_fields_and_their_types():
    intent = extract_intent("an API for a shop that tracks products with title, price and stock")
    (product,) = intent.entities
    assert product.name == "product" and product.plural == "products"
    assert [(f.name, f.type) for f in product.fields] == [
        ("title", "str"),
        ("price", "float"),
        ("stock", "int"),
    ]


def test_german_fields_with_umlauts_become_identifiers():
    text = "Ein Kommandozeilenprogramm, das Aufgaben mit Titel und Priorität speichert"
    intent = extract_intent(text)
    assert [f.name for f in intent.entities[0].fields] == ["titel", "prioritaet"]


def test_domain_is_not_an_entity():
    intent = extract_intent("a REST API for a dental clinic that manages patients and dentists")
    assert [e.name for e in intent.entities] == ["patient", "dentist"]


def test_operations_mentioned_are_added():
    intent = extract_intent("an API to search books by title")
    assert "search" in intent.operations and "create" in intent.operations


@pytest.mark.parametrize("text", ["", "   ", "!!!", "build me an API", "hello", "tell me a joke"])
def test_nothing_to_build_is_a_readable_refusal(text):
    with pytest.raises(InputError, match="(?i)describe|could not tell|what kind of app"):
        extract_intent(text)


def test_too_many_entities_is_refused():
    text = "an API that tracks books, authors, shelves, rooms, loans, members and fines"
    with pytest.raises(InputError, match="at most"):
        extract_intent(text)
