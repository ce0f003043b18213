"""The LLM path: generators on the fleet, in parallel, each file checked; repairs from the
failing test output. The template project is where every generator starts.

A generator's reply is data: its files are parsed out of fenced blocks, checked (``_checks``)
and only ever run inside the sandbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator

from pydantic import BaseModel, Field

from ..fleet import ChatMessage, ChatRequest, Fleet
from ._checks import check_file
from ._stages import Architecture, FileRejection, GeneratedFile, Specification

log = logging.getLogger(__name__)

GENERATORS = ("backend", "qa", "frontend", "docs", "infrastructure")
_FILE_BLOCK = re.compile(
    r"^File:\s*`?(?P<path>[\w./-]+)`?\s*\n```[\w+-]*\n(?P<body>.*?)\n```", re.M | re.S
)
SYSTEM = (
    "You are the {generator} generator of an application factory. You receive a specification, "
    "an architecture and the project's current files. Reply with every file you change or add, "
    "each as a line 'File: <path>' followed by one fenced code block with the whole file. Keep "
    "the names the specification uses. Write only these files: {paths}."
)
REPAIR = (
    "The project's tests fail. Here is the end of the test output:\n\n{output}\n\n"
    "Fix the code (not the tests, unless a test contradicts the specification) and reply with "
    "every file you change, in the same 'File: <path>' format."
)


class LLMOptions(BaseModel):
    """Models per generator (Ollama or OpenAI-compatible names on the fleet)."""

    backend_model: str = Field(default="qwen2.5-coder:7b")
    qa_model: str = Field(default="qwen2.5-coder:7b")
    frontend_model: str = Field(default="qwen2.5-coder:7b")
    docs_model: str = Field(default="llama3.1:8b")
    infrastructure_model: str = Field(default="qwen2.5-coder:7b")
    temperature: float = Field(default=0.2, ge=0, le=2)

    def model_for(self, generator: str) -> str:
        return getattr(self, f"{generator}_model")


def owner(path: str) -> str:
    """The generator that writes ``path``."""
    if path.startswith("tests/"):
        return "qa"
    if path.startswith("app/static/"):
        return "frontend"
    if path.startswith("app/"):
        return "backend"
    if path.endswith(".md"):
        return "docs"
    return "infrastructure"


def parse_files(reply: str, generator: str) -> list[GeneratedFile]:
    return [
        GeneratedFile(path=m["path"], content=m["body"] + "\n", source="llm", generator=generator)
        for m in _FILE_BLOCK.finditer(reply)
    ]


def spec_brief(spec: Specification, architecture: Architecture) -> str:
    brief = {
        "request": spec.intent.text,
        "app_type": spec.intent.app_type,
        "framework": spec.intent.framework,
        "entities": [e.model_dump() for e in spec.intent.entities],
        "operations": spec.intent.operations,
        "functional": spec.functional,
        "technical": spec.technical,
        "architecture": architecture.pattern,
        "interfaces": [i.model_dump() for i in architecture.interfaces],
    }
    return "Specification:\n" + json.dumps(brief, ensure_ascii=False, indent=1)


def _files_text(files: list[GeneratedFile]) -> str:
    return "\n\n".join(f"File: {f.path}\n```\n{f.content.rstrip()}\n```" for f in files)


async def _ask(fleet: Fleet, model: str, system: str, user: str, affinity: str, temp: float) -> str:
    request = ChatRequest(
        model=model,
        messages=[
            ChatMessage(role="system", content=system),
            ChatMessage(role="user", content=user),
        ],
        options={"temperature": temp},
    )
    stream: AsyncIterator = fleet.chat(request, affinity=affinity)
    return "".join([delta.content async for delta in stream])


class Generated(BaseModel):
    files: list[GeneratedFile]
    rejected: list[FileRejection]


def accept(
    current: list[GeneratedFile], offered: list[GeneratedFile], allowed: set[str] | None
) -> Generated:
    """``current`` with each offered file that passes its checks put in (or added)."""
    by_path = {f.path: f for f in current}
    rejected: list[FileRejection] = []
    for f in offered:
        if allowed is not None and owner(f.path) not in allowed:
            reason = f"{f.path} belongs to the {owner(f.path)} generator"
            rejected.append(FileRejection(path=f.path, generator=f.generator, reason=reason))
            continue
        candidate = {**by_path, f.path: f}
        problem = check_file(f, list(candidate.values()))
        if problem:
            rejected.append(FileRejection(path=f.path, generator=f.generator, reason=problem))
            continue
        by_path[f.path] = f
    return Generated(files=sorted(by_path.values(), key=lambda f: f.path), rejected=rejected)


async def generate(
    fleet: Fleet,
    options: LLMOptions,
    spec: Specification,
    architecture: Architecture,
    template: list[GeneratedFile],
    affinity: str,
) -> Generated:
    """Every generator asks its model at once, one prompt per file it owns (so the fleet can
    spread them over its GPUs), each with the whole specification and architecture."""
    brief = spec_brief(spec, architecture)
    tree = "\n".join(architecture.files)
    jobs = [(owner(f.path), f) for f in template]
    jobs.sort(key=lambda job: -len(job[1].content))  # the longest first: a shorter tail

    async def one(generator: str, own: GeneratedFile) -> list[GeneratedFile]:
        system = SYSTEM.format(generator=generator, paths=own.path)
        user = f"{brief}\n\nProject files:\n{tree}\n\nCurrent files:\n\n{_files_text([own])}"
        reply = await _ask(
            fleet,
            options.model_for(generator),
            system,
            user,
            f"{affinity}:{own.path}",
            options.temperature,
        )
        return parse_files(reply, generator)

    replies = await asyncio.gather(*(one(g, f) for g, f in jobs))
    result = Generated(files=template, rejected=[])
    for (generator, _), offered in zip(jobs, replies, strict=True):
        step = accept(result.files, offered, {generator})
        result = Generated(files=step.files, rejected=result.rejected + step.rejected)
    return result


async def repair(
    fleet: Fleet,
    options: LLMOptions,
    spec: Specification,
    architecture: Architecture,
    files: list[GeneratedFile],
    output: str,
    affinity: str,
) -> Generated:
    """One repair round: the code generator gets the failing output and the code."""
    code = [f for f in files if f.path.endswith(".py")]
    system = SYSTEM.format(generator="backend", paths="any file under app/ or tests/ shown below")
    user = (
        f"{spec_brief(spec, architecture)}\n\nCurrent files:\n\n{_files_text(code)}\n\n"
        + REPAIR.format(output=output[-3000:])
    )
    reply = await _ask(
        fleet, options.backend_model, system, user, f"{affinity}:backend", options.temperature
    )
    offered = [f.model_copy(update={"source": "repair"}) for f in parse_files(reply, "backend")]
    return accept(files, offered, {"backend", "qa"})
