"""One request through every stage, timed, with progress as it goes:
intent → specification → architecture → generation → assembly → verification → delivery."""

from __future__ import annotations

import asyncio
import io
import logging
import time
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import BaseModel, Field

from ..errors import AlphaOmegaError
from ..fleet import Fleet
from . import _llm
from ._checks import check_file
from ._intent import extract_intent
from ._sandbox import SandboxLimits, copy_tree, run_tests
from ._spec import design, specify
from ._stages import (
    APP_TYPE_NAMES,
    Architecture,
    Delivery,
    FactoryReport,
    FileRejection,
    GeneratedFile,
    Intent,
    StageTiming,
    Verification,
)
from ._templates import render_project

log = logging.getLogger(__name__)

Progress = Callable[[str, str, bool], Awaitable[None]]  # (stage, text, done)
KEY_FILES = ("app/main.py", "app/cli.py", "app/worker.py", "app/repository.py", "app/models.py")


class FactoryOptions(BaseModel):
    """How one workflow runs (the host's request body carries it)."""

    use_llm: bool = Field(default=False, description="Generators on the fleet (else templates)")
    llm: _llm.LLMOptions = Field(default_factory=_llm.LLMOptions)
    repair_rounds: int = Field(default=2, ge=0, le=5)
    security_level: str = "standard"
    coverage_goal: float = Field(default=0.7, ge=0, le=1)
    limits: SandboxLimits = Field(default_factory=SandboxLimits)


class WorkflowResult(BaseModel):
    report: FactoryReport
    intent: Intent
    architecture: Architecture
    verification: Verification
    files: list[GeneratedFile]
    rejected: list[FileRejection]
    delivery: Delivery
    notes: list[str] = Field(default_factory=list)


async def _quiet(stage: str, text: str, done: bool) -> None:
    return None


class _Clock:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.stages: list[StageTiming] = []
        self._started = 0.0
        self._name = ""

    async def start(self, name: str, text: str) -> None:
        self._name, self._started = name, time.perf_counter()
        await self.progress(name, text, False)

    async def done(self, summary: str) -> None:
        seconds = round(time.perf_counter() - self._started, 4)
        self.stages.append(StageTiming(name=self._name, seconds=seconds, summary=summary))
        await self.progress(self._name, summary, True)


async def run_workflow(
    text: str,
    options: FactoryOptions,
    out_dir: Path,
    *,
    zip_path: Path | None = None,
    fleet: Fleet | None = None,
    progress: Progress = _quiet,
    affinity: str = "factory",
) -> WorkflowResult:
    """Build the app ``text`` asks for into ``out_dir``; an unusable request raises
    ``InputError`` with a readable reason before anything is written."""
    clock = _Clock(progress)
    notes: list[str] = []
    await clock.start("intent", "Reading the request…")
    intent = extract_intent(text)
    names = ", ".join(e.name for e in intent.entities)
    await clock.done(f"Intent: {APP_TYPE_NAMES[intent.app_type]} for {names} ({intent.language})")

    await clock.start("specification", "Writing the specification…")
    spec = specify(intent, security_level=options.security_level,
                   coverage_goal=options.coverage_goal)  # fmt: skip
    await clock.done(
        f"Specification: {len(spec.functional)} requirement(s), complexity {spec.complexity}/10"
    )

    await clock.start("architecture", "Laying out the architecture…")
    architecture = design(spec)
    await clock.done(f"Architecture: {architecture.pattern}, {len(architecture.files)} files")

    files = template = render_project(intent, architecture)
    rejected: list[FileRejection] = []
    use_llm = options.use_llm and fleet is not None
    if use_llm:
        assert fleet is not None
        model = options.llm.backend_model
        gpus = max(1, len(fleet.candidates(model)))
        await clock.start("generation", f"Generating on {gpus} GPU{'s' if gpus > 1 else ''}…")
        try:
            generated = await _llm.generate(fleet, options.llm, spec, architecture, files, affinity)
            files, rejected = generated.files, generated.rejected
            written = sum(f.source != "template" for f in files)
            summary = f"Generation: {written} files from the models on {gpus} GPU(s)"
        except AlphaOmegaError as exc:
            use_llm = False
            notes.append(f"The models could not write the project ({exc.user_message()}); "
                         "it was built from the templates.")  # fmt: skip
            summary = "Generation: templates (the models were not reachable)"
    else:
        await clock.start("generation", "Filling the templates…")
        summary = f"Generation: {len(files)} files from templates"
    await clock.done(summary)

    await clock.start("assembly", "Assembling and checking every file…")
    for f in files:
        problem = check_file(f, files)
        if problem:  # a template never should; a generated file was checked when accepted
            raise AlphaOmegaError(f"assembly refused {problem}")
    await clock.done(f"Assembly: {len(files)} files checked, {len(rejected)} rejected")

    await clock.start("verification", "Running the project's tests in the sandbox…")
    verification = await asyncio.to_thread(run_tests, files, options.limits)
    rounds = 0
    while not _good(verification, options) and use_llm and rounds < options.repair_rounds:
        rounds += 1
        await progress(
            "verification",
            f"Tests: {verification.tests_failed} failed, repairing "
            f"(round {rounds} of {options.repair_rounds})…",
            False,
        )
        assert fleet is not None
        try:
            fixed = await _llm.repair(
                fleet, options.llm, spec, architecture, files, verification.output_tail, affinity
            )
        except AlphaOmegaError as exc:
            notes.append(f"The repair could not reach the models: {exc.user_message()}")
            break
        files, rejected = fixed.files, rejected + fixed.rejected
        verification = await asyncio.to_thread(run_tests, files, options.limits)
    if use_llm and not _good(verification, options):
        fallback = await asyncio.to_thread(run_tests, template, options.limits)
        if _good(fallback, options):
            notes.append(
                f"The models' version still failed its tests after {rounds} repair round(s); "
                "the template project, whose tests pass, was delivered instead."
            )
            files, verification = template, fallback
    verification = verification.model_copy(
        update={"repair_rounds": rounds, "passed": _good(verification, options)}
    )
    await clock.done(_test_summary(verification))

    await clock.start("delivery", "Packing the project…")
    delivery = deliver(files, out_dir, zip_path)
    await clock.done(f"Delivery: {len(files)} files" + (" and a zip" if zip_path else ""))

    report = FactoryReport(
        request=intent.text,
        app_type=intent.app_type,
        language=intent.language,
        entities=[e.name for e in intent.entities],
        pattern=architecture.pattern,
        files=len(files),
        llm=use_llm,
        tests_passed=verification.tests_passed,
        tests_failed=verification.tests_failed,
        coverage=verification.coverage,
        passed=verification.passed,
        network_isolated=verification.network_isolated,
        repair_rounds=rounds,
        stages=clock.stages,
    )
    (out_dir / "factory-report.json").write_text(report.model_dump_json(indent=2))
    return WorkflowResult(
        report=report,
        intent=intent,
        architecture=architecture,
        verification=verification,
        files=files,
        rejected=rejected,
        delivery=delivery,
        notes=notes,
    )


def _good(verification: Verification, options: FactoryOptions) -> bool:
    coverage_ok = (verification.coverage or 0.0) >= options.coverage_goal
    return verification.tests_failed == 0 and verification.tests_passed > 0 and coverage_ok


def _test_summary(v: Verification) -> str:
    if v.timed_out:
        return "Tests: stopped at the time limit"
    text = f"Tests: {v.tests_passed} passed"
    if v.tests_failed:
        text += f", {v.tests_failed} failed"
    if v.coverage is not None:
        text += f", coverage {v.coverage:.0%}"
    if v.repair_rounds:
        text += f" after {v.repair_rounds} repair round{'s' if v.repair_rounds > 1 else ''}"
    return text


def tree_text(paths: list[str]) -> str:
    """The file tree as indented lines."""
    lines: list[str] = []
    shown: set[str] = set()
    for path in sorted(paths):
        parts = path.split("/")
        for depth in range(len(parts)):
            key = "/".join(parts[: depth + 1])
            if key in shown:
                continue
            shown.add(key)
            suffix = "/" if depth < len(parts) - 1 else ""
            lines.append("  " * depth + parts[depth] + suffix)
    return "\n".join(lines)


def zip_bytes(files: list[GeneratedFile], folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.writestr(f"{folder}/{f.path}", f.content)
    return buffer.getvalue()


def deliver(files: list[GeneratedFile], out_dir: Path, zip_path: Path | None) -> Delivery:
    copy_tree(files, out_dir)
    if zip_path is not None:
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        zip_path.write_bytes(zip_bytes(files, out_dir.name or "project"))
    paths = [f.path for f in files]
    key = [p for p in KEY_FILES if p in paths]
    key += [p for p in paths if p.startswith("tests/test_")][:1]
    return Delivery(
        project_dir=str(out_dir),
        zip_path=str(zip_path or ""),
        tree=tree_text(paths),
        key_files=key,
    )
