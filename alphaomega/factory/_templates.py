"""The template path: a whole project rendered from the intent, no model needed.

The templates (Jinja2, ``data/templates/``) name the request's own entities, fields and
operations in the code, the routes, the tables and the tests. ``manifest.json`` there says which
template becomes which file for each app type and framework.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from ._stages import APP_TYPE_NAMES, Architecture, EntityField, GeneratedFile, Intent

SQL_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "INTEGER"}


@functools.cache
def _environment() -> Any:
    import jinja2  # the factory extra: the host renders; the Pipelines server only imports

    folder = resources.files(__package__).joinpath("data", "templates")

    def load(name: str) -> str:
        return folder.joinpath(name).read_text("utf-8")

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python and Markdown; the HTML template only holds identifiers
    )


@functools.cache
def _manifest() -> dict[str, dict[str, str]]:
    raw = resources.files(__package__).joinpath("data", "templates", "manifest.json")
    return json.loads(raw.read_text("utf-8"))


def _kind(intent: Intent) -> str:
    return f"{intent.app_type}/{intent.framework}"


def _entries(intent: Intent) -> list[tuple[str, str, Any]]:
    """(path, template, entity or None) for every file of the project."""
    manifest = _manifest()
    entries: list[tuple[str, str, Any]] = []
    for path, template in [*manifest["common"].items(), *manifest[_kind(intent)].items()]:
        if "{entity}" in path:
            entries += [(path.format(entity=e.name), template, e) for e in intent.entities]
        else:
            entries.append((path, template, None))
    return entries


def project_paths(intent: Intent) -> list[str]:
    """The project's files, as the architecture lays them out."""
    return sorted(path for path, _, _ in _entries(intent))


def project_title(intent: Intent) -> str:
    names = " & ".join(e.class_name for e in intent.entities)
    return f"{names} {APP_TYPE_NAMES[intent.app_type]}"


def sample(field: EntityField, variant: int) -> str:
    """A Python literal of a valid value for ``field``; variants 0 and 1 differ."""
    if field.type == "int":
        return str(3 + 4 * variant)
    if field.type == "float":
        return ("9.5", "12.25")[variant]
    if field.type == "bool":
        return ("True", "False")[variant]
    words = ("Example", "Changed")[variant]
    return repr(f"{words} {field.name.replace('_', ' ')} {variant + 1}")


def render_project(intent: Intent, architecture: Architecture) -> list[GeneratedFile]:
    env = _environment()
    context: dict[str, Any] = {
        "intent": intent,
        "entities": intent.entities,
        "architecture": architecture,
        "title": project_title(intent),
        "app_type_name": APP_TYPE_NAMES[intent.app_type],
        "prefix": "/api" if intent.app_type == "web" else "",
        "sample": sample,
        "sql_type": SQL_TYPES.__getitem__,
    }
    files = []
    for path, template, entity in _entries(intent):
        text = env.get_template(template).render(**context, e=entity)
        files.append(GeneratedFile(path=path, content=text, source="template"))
    return sorted(files, key=lambda f: f.path)
