"""Intent: what the request asks for, read from one sentence in English, German or Spanish.

Rules over word lists (``data/lexicon.json``), no model: the app type from phrases that name
it, the entities from the nouns the app keeps (plural nouns, coordinated ones, German's
capitalised nouns; never the domain after "for a …"), their fields from "with …", the
language from its function words. Measured on a held-out set by ``bench/factory.py``.
"""

from __future__ import annotations

import re

from ..errors import InputError
from ._lexicon import identifier, lexicon
from ._stages import AppType, Entity, EntityField, Intent

MAX_ENTITIES = 6
_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_CONJUNCTIONS = {"and", "und", "y", "e", "or", "oder", "o", ","}
CRUD = ["create", "list", "get", "update", "delete"]


def extract_intent(text: str) -> Intent:
    """The request's intent; a request with nothing to build is a readable ``InputError``."""
    text = " ".join(text.split())
    if not _WORD.search(text):
        raise InputError("Describe the app in a sentence, e.g. 'an API that tracks books'.")
    lower = text.lower()
    language = detect_language(lower)
    app_type = detect_app_type(lower)
    if app_type is None:
        raise InputError(
            "Tell me what kind of app to build: a REST API, a command-line tool, a background "
            "worker or a web app, and what it keeps track of (e.g. 'an API that tracks books')."
        )
    framework = detect_framework(lower, app_type)
    fields, field_words = _fields(lower)
    entities = _entities(text, language, field_words)
    if not entities:
        raise InputError(
            "I could not tell what the app keeps track of. Name the things it manages, "
            "e.g. 'an API that tracks books and authors'."
        )
    operations = list(CRUD)
    for operation, words in lexicon()["operations"].items():
        if operation not in operations and any(_has_word(lower, w) for w in words):
            operations.append(operation)
    technologies = ["python", "sqlite", "pytest", framework]
    if app_type == "web":
        technologies.append("html/javascript")
    return Intent(
        text=text,
        language=language,
        app_type=app_type,
        framework=framework,
        entities=[
            Entity(
                name=name, plural=plural_of(name), label=label, fields=fields or _default_fields()
            )
            for name, label in entities
        ],
        operations=operations,
        technologies=technologies,
    )


def detect_language(lower: str) -> str:
    words = _WORD.findall(lower)
    scores = {
        lang: sum(word in vocabulary for word in words)
        for lang, vocabulary in lexicon()["languages"].items()
    }
    if re.search(r"[äöüß]", lower):
        scores["de"] += 2
    if re.search(r"[ñáéíóú¿¡]", lower):
        scores["es"] += 2
    return max(scores, key=lambda lang: (scores[lang], lang == "en"))


def detect_app_type(lower: str) -> AppType | None:
    """The app type the request names (None: it names none)."""
    phrases = lexicon()["app_types"]
    for app_type in lexicon()["app_type_order"]:
        if any(_has_word(lower, phrase) for phrase in phrases[app_type]):
            return app_type
    return None


def detect_framework(lower: str, app_type: AppType) -> str:
    if app_type == "cli":
        return "argparse"
    if app_type in ("rest_api", "web") and _has_word(lower, "flask"):
        return "flask"
    return "fastapi"


def plural_of(name: str) -> str:
    if name.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def singular(word: str, language: str) -> str:
    """A noun's singular by the common rules of its language (irregular ones stay as they are)."""
    w = word
    if language == "de":
        for ending, replacement in (("ungen", "ung"), ("heiten", "heit"), ("keiten", "keit")):
            if w.endswith(ending):
                return w[: -len(ending)] + replacement
        if w.endswith("ern") or (w.endswith("en") and len(w) > 5 and w[-3] in "bdgkt"):
            return w[:-1]
        if w.endswith("ere"):
            return w[:-1]
        return w
    if language == "es":
        if w.endswith("es") and len(w) > 4 and w[-3] in "dlnrzj":
            return w[:-2]
        return w[:-1] if w.endswith("s") and len(w) > 3 else w
    for ending, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh")):
        if w.endswith(ending):
            return w[: -len(ending)] + replacement
    if w.endswith("xes"):
        return w[:-2]
    return w[:-1] if w.endswith("s") and not w.endswith("ss") and len(w) > 3 else w


def _has_word(lower: str, phrase: str) -> bool:
    """``phrase`` as whole words; ending in ``*``, also as the start of a longer word."""
    if phrase.endswith("*"):
        return re.search(rf"(?<![\w-]){re.escape(phrase[:-1])}", lower) is not None
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w])", lower) is not None


def _default_fields() -> list[EntityField]:
    return [EntityField(name="name", type="str"), EntityField(name="description", type="str")]


def _fields(lower: str) -> tuple[list[EntityField], set[str]]:
    """Fields named after "with"/"mit"/"con": known field words (their type from the lexicon)."""
    lex = lexicon()
    for phrase, joined in lex["field_words_joined"].items():
        lower = lower.replace(phrase, joined)
    words = _WORD.findall(lower)
    fields: list[EntityField] = []
    seen: set[str] = set()
    for index, word in enumerate(words):
        if word not in lex["field_intro"]:
            continue
        for follower in words[index + 1 :]:
            base = follower.split("_")[-1] if "_" in follower else follower
            kind = lex["fields"].get(follower) or lex["fields"].get(base)
            if kind is None:
                if follower in _CONJUNCTIONS or follower in lex["stop_set"]:
                    continue
                break
            name = identifier(follower)
            if name not in seen:
                seen.add(name)
                fields.append(EntityField(name=name, type=kind))
    field_words = {w for w in words if w in lex["fields"] or "_" in w}
    if fields and not any(f.type == "str" for f in fields):
        fields.insert(0, EntityField(name="name", type="str"))
    return fields, field_words


def _entities(text: str, language: str, field_words: set[str]) -> list[tuple[str, str]]:
    lex = lexicon()
    stop = lex["stop_set"]
    tokens = [(m.group(), m.start()) for m in re.finditer(r"[^\W\d_][\w'-]*|,", text)]
    domain = _domain_positions(tokens)
    candidates: list[tuple[int, str, str]] = []  # (token index, word, lowercased)
    for index, (word, _) in enumerate(tokens):
        lower = word.lower()
        if word == "," or index in domain or lower in stop or lower in field_words:
            continue
        if len(lower) < 3 or any(part in stop for part in lower.split("-")):
            continue
        if language == "de" and not word[0].isupper():
            continue
        candidates.append((index, word, lower))
    if language != "de":  # plural nouns are what an app keeps; a lone singular only as fallback
        plural = [c for c in candidates if c[2].endswith("s")]
        coordinated = {i for i, *_ in plural}
        candidates = [
            c for c in candidates if c[0] in coordinated or _next_to(c[0], coordinated, tokens)
        ] or candidates[:1]
    result: list[tuple[str, str]] = []
    for _, word, lower in candidates:
        name = identifier(singular(lower, language))
        if name not in (n for n, _ in result):
            result.append((name, word))
    if len(result) > MAX_ENTITIES:
        raise InputError(
            f"That is {len(result)} kinds of things to manage; the Factory builds apps with at "
            f"most {MAX_ENTITIES}. Ask for the core ones first."
        )
    return result


def _next_to(index: int, others: set[int], tokens: list[tuple[str, int]]) -> bool:
    """A word joined by a conjunction to one of ``others`` ("books and author")."""
    for step in (-2, 2):
        between = index + step // 2
        joined = 0 <= between < len(tokens) and tokens[between][0].lower() in _CONJUNCTIONS
        if index + step in others and joined:
            return True
    return False


def _domain_positions(tokens: list[tuple[str, int]]) -> set[int]:
    """Indexes of the noun phrase after "for a" / "für eine" / "para una": the domain."""
    lex = lexicon()
    positions: set[int] = set()
    for index in range(len(tokens) - 2):
        word, article = tokens[index][0].lower(), tokens[index + 1][0].lower()
        if word in lex["domain_after"] and article in lex["domain_articles"]:
            follower = index + 2
            while follower < len(tokens):
                lower = tokens[follower][0].lower()
                if lower == "," or (lower in lex["stop_set"] and follower > index + 2):
                    break
                if lower not in lex["stop_set"]:
                    positions.add(follower)
                follower += 1
    return positions
