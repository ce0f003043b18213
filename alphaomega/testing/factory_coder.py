"""Test equipment for the Factory's LLM path: a reply function for the Ollama simulator (which
also answers the OpenAI chat API) that writes prepared code for the project a prompt asks for.

It reads the specification the Factory puts in each generator's prompt, renders the template
project for it and answers with every file the generator owns, as a model rewriting them
would (so replies are as long as real ones), adding what a model would: a ``count``
operation in the repository of the first entity, with a test.

Broken first: the backend generator's first answer counts one too many (the tests find it)
and carries a file with a syntax error and one importing a module that does not exist (the
per-file checks refuse them); its answer to a repair prompt (which carries the failing test
output) is right. So the repair loop is proven, not assumed.
"""

from __future__ import annotations

import json
import re
import threading

from alphaomega.factory import design, extract_intent, render_project, specify

from ._sim_models import SimRequest

MARK = "# prepared by the factory coder"


class PreparedCoder:
    def __init__(self, *, broken_first: bool = True, always_broken: bool = False) -> None:
        self.broken_first = broken_first
        self.always_broken = always_broken
        self.calls: dict[str, int] = {}
        self.repairs = 0
        self._lock = threading.Lock()

    def __call__(self, request: SimRequest) -> str:
        system = next((m["content"] for m in request.messages if m["role"] == "system"), "")
        prompt = request.prompt
        generator = re.search(r"You are the (\w+) generator", system)
        name = generator[1] if generator else "unknown"
        repairing = "The project's tests fail" in prompt
        with self._lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            if repairing:
                self.repairs += 1
        if "Specification:\n" not in prompt:
            return "I write code for the Factory's generators only."
        brief, _ = json.JSONDecoder().raw_decode(prompt.split("Specification:\n", 1)[1])
        intent = extract_intent(brief["request"])
        files = {f.path: f.content for f in render_project(intent, design(specify(intent)))}
        entity = intent.entities[0]
        broken = self.always_broken or (self.broken_first and not repairing)
        owned = _owned_paths(system, files)
        if name == "backend":
            return self._backend(files, owned, entity.plural, broken, repairing)
        reply = "".join(_file(path, files[path]) for path in owned if path != "README.md")
        if name == "qa" and "tests/conftest.py" in owned:
            reply += _file(f"tests/test_{entity.name}_count.py", _count_test(entity))
        if name == "docs":
            readme = files["README.md"] + f"\n{MARK}: `count_{entity.plural}()` counts records.\n"
            reply += _file("README.md", readme)
        return reply or "Nothing to change."

    def _backend(
        self, files: dict[str, str], owned: list[str], plural: str, broken: bool, repairing: bool
    ) -> str:
        off = " + 1" if broken else ""
        repository = files["app/repository.py"].replace(
            f'    """The {plural} table."""\n',
            f'    """The {plural} table."""\n\n'
            f"    def count(self) -> int:\n"
            f"        {MARK}\n"
            f"        with self.lock:\n"
            f'            row = self.conn.execute("SELECT COUNT(*) FROM {plural}").fetchone()\n'
            f"        return row[0]{off}\n",
            1,
        )
        others = [p for p in owned if p != "app/repository.py"]
        reply = "Here is the code.\n\n" + "".join(_file(p, files[p]) for p in others)
        if "app/repository.py" in owned or repairing:
            reply += _file("app/repository.py", repository)
        if not repairing and "app/repository.py" in owned:  # two files the checks must refuse
            reply += _file("app/helpers.py", "def helper(:\n    return 1\n")
            reply += _file("app/extra.py", "from .missing_module import thing\n")
        return reply


def _owned_paths(system: str, files: dict[str, str]) -> list[str]:
    """The template files the prompt lets this generator write."""
    listed = re.search(r"Write only these files: (.*)\.$", system)
    if not listed:
        return []
    return [p for p in (part.strip() for part in listed[1].split(",")) if p in files]


def _count_test(entity) -> str:
    return (
        "from conftest import SAMPLES\n\n"
        "from app.db import connect, init_schema\n"
        f"from app.models import {entity.class_name}In\n"
        f"from app.repository import {entity.class_name}Repository\n\n\n"
        f"def test_count_{entity.plural}():\n"
        "    conn = connect()\n"
        "    init_schema(conn)\n"
        f"    repository = {entity.class_name}Repository(conn)\n"
        "    assert repository.count() == 0\n"
        f"    repository.create({entity.class_name}In(**SAMPLES['{entity.name}']))\n"
        "    assert repository.count() == 1\n"
    )


def _file(path: str, content: str) -> str:
    return f"File: {path}\n```python\n{content.rstrip()}\n```\n\n"
