"""Specification and architecture: what the app must do, checked against the seed's limits,
and how it is laid out (no I/O here)."""

from __future__ import annotations

from ..errors import InputError
from ._stages import (
    APP_TYPE_NAMES,
    Architecture,
    Intent,
    Interface,
    Specification,
)
from ._templates import project_paths

MAX_COMPLEXITY = 10
MIN_SCALABILITY = 5
MIN_COVERAGE = 0.7
PATTERNS = {"rest_api": "layered", "cli": "layered", "worker": "event-driven", "web": "mvc"}
LAYERS = {
    "layered": ["models", "storage (SQLite)", "repository", "interface"],
    "mvc": ["model (repository)", "controller (API)", "view (page + script)"],
    "event-driven": ["models", "storage (SQLite)", "queue + worker", "HTTP intake + health"],
}


class ConstraintViolation(InputError):
    """A request the specification's limits refuse; the text says which limit and why."""


def specify(
    intent: Intent, *, security_level: str = "standard", coverage_goal: float = MIN_COVERAGE
) -> Specification:
    functional = []
    for e in intent.entities:
        fields = ", ".join(f.name for f in e.fields)
        ops = ", ".join(intent.operations)
        functional.append(f"{e.class_name} records ({fields}): {ops}")
    if intent.app_type == "worker":
        functional.append("Submitted records are queued and processed in the background")
        functional.append("GET /health reports the queue and what was processed")
    if intent.app_type == "web":
        functional.append("A page lists, adds and deletes records through the API")
    technical = [
        f"Python {', '.join(intent.technologies)}",
        "SQLite storage with parameterised SQL only",
        "Input validated with pydantic before it is stored",
        f"Tests with pytest covering at least {coverage_goal:.0%} of the app's lines",
    ]
    spec = Specification(
        intent=intent,
        functional=functional,
        technical=technical,
        complexity=_complexity(intent),
        scalability=6 if intent.app_type in ("worker", "rest_api", "web") else 5,
        security_level=security_level,  # type: ignore[arg-type]
        test_coverage_goal=coverage_goal,
    )
    check_constraints(spec)
    return spec


def _complexity(intent: Intent) -> int:
    fields = sum(len(e.fields) for e in intent.entities)
    extra = {"web": 2, "worker": 2}.get(intent.app_type, 0)
    return 1 + len(intent.entities) + fields // 4 + extra


def check_constraints(spec: Specification) -> None:
    """The seed's limits: complexity ≤ 10, scalability ≥ 5, coverage ≥ 70 %, a security level."""
    if spec.complexity > MAX_COMPLEXITY:
        raise ConstraintViolation(
            f"This app's complexity is {spec.complexity} (limit {MAX_COMPLEXITY}): too many "
            "kinds of records or fields for one generated project. Ask for fewer, then extend it."
        )
    if spec.scalability < MIN_SCALABILITY:
        raise ConstraintViolation(
            f"The design scales to {spec.scalability} of 10 (at least {MIN_SCALABILITY} needed)."
        )
    if spec.test_coverage_goal < MIN_COVERAGE:
        raise ConstraintViolation(
            f"A test coverage goal of {spec.test_coverage_goal:.0%} is below the "
            f"{MIN_COVERAGE:.0%} every project must reach."
        )
    if spec.security_level == "basic" and spec.intent.app_type in ("rest_api", "web"):
        raise ConstraintViolation(
            "An app reachable over HTTP needs at least the 'standard' security level "
            "(validated input, parameterised SQL)."
        )


def design(spec: Specification) -> Architecture:
    intent = spec.intent
    pattern = PATTERNS[intent.app_type]
    files = project_paths(intent)
    interfaces = [
        Interface(
            name=f"{e.class_name}Repository",
            provider="app/repository.py",
            consumer="app/cli.py" if intent.app_type == "cli" else "app/main.py",
            kind="python",
            detail="create, get, list, search, update, delete",
        )
        for e in intent.entities
    ]
    interfaces.append(
        Interface(
            name="schema",
            provider="app/db.py",
            consumer="app/repository.py",
            kind="sql",
            detail=", ".join(e.plural for e in intent.entities),
        )
    )
    prefix = "/api" if intent.app_type == "web" else ""
    for e in intent.entities:
        if intent.app_type == "cli":
            detail = f"python -m app.cli {e.name} add|list|show|update|delete|search"
            interfaces.append(
                Interface(
                    name=e.name, provider="app/cli.py", consumer="shell", kind="cli", detail=detail
                )
            )
        else:
            interfaces.append(
                Interface(
                    name=f"{prefix}/{e.plural}",
                    provider="app/main.py",
                    consumer="app/static/app.js" if intent.app_type == "web" else "http client",
                    kind="http",
                    detail="POST, GET, GET /{id}"
                    + ("" if intent.app_type == "worker" else ", PUT /{id}, DELETE /{id}"),
                )
            )
    if intent.app_type == "worker":
        interfaces.append(
            Interface(
                name="/health",
                provider="app/main.py",
                consumer="http client",
                kind="http",
                detail="status, queued, processed, failed",
            )
        )
    return Architecture(pattern=pattern, layers=LAYERS[pattern], files=files, interfaces=interfaces)


def describe(spec: Specification) -> str:
    return f"{APP_TYPE_NAMES[spec.intent.app_type]}, complexity {spec.complexity}"
