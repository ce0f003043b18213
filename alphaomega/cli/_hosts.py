"""The hosts the pack runs beside the Pipelines server: the agent host and the factory host."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import AlphaOmegaError
from ._base import fail as _fail
from ._base import main


# -- the agent host (computer use) -----------------------------------------------------------
@main.command("agent-host")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Holds the token file and the audit log.",
)
@click.option("--actions-per-minute", default=60, show_default=True, type=int)
def agent_host(host: str, port: int, data_dir: Path, actions_per_minute: int) -> None:
    """Run the agent host on this desktop: screenshots and validated mouse and keyboard."""
    from ..agent import HostSettings, run_host

    settings = HostSettings(data_dir=data_dir, actions_per_minute=actions_per_minute)
    try:
        run_host(settings, host, port, click.echo)
    except AlphaOmegaError as exc:
        _fail(exc)


# ---- Factory: the host, and a build from the terminal ----------------------------------------


@main.command("factory-host")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("data/factory"),
    show_default=True,
    help="Holds the workflows (SQLite), their projects and the token.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5009, show_default=True, type=int)
@click.option("--max-parallel", default=2, show_default=True, type=int, help="Workflows at once.")
def factory_host(data_dir: Path, host: str, port: int, max_parallel: int) -> None:
    """Run the factory host: builds apps and runs their tests in a sandbox."""
    from ..factory import load_token, serve

    token_source = (
        "ALPHAOMEGA_FACTORY_TOKEN"
        if os.environ.get("ALPHAOMEGA_FACTORY_TOKEN")
        else (str(data_dir / "factory_token"))
    )
    load_token(data_dir)
    click.echo(f"factory host on http://{host}:{port} (token: {token_source})")
    serve(data_dir, host, port, max_parallel)


@main.group()
def factory() -> None:
    """The Factory from a terminal."""


@factory.command("build")
@click.argument("sentence")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The project folder.")
@click.option("--no-llm", is_flag=True, help="Templates only: no model is asked.")
@click.option("--repair-rounds", default=2, show_default=True, type=int)
@click.option(
    "--coverage-goal", default=0.7, show_default=True, type=float, help="Share of lines (≥ 0.7)."
)
@click.option(
    "--model", default="qwen2.5-coder:7b", show_default=True, help="Every generator's model."
)
def factory_build(
    sentence: str, out: Path, no_llm: bool, repair_rounds: int, coverage_goal: float, model: str
) -> None:
    """Build the app SENTENCE describes into --out; exit 0 only when its tests pass."""
    from .. import runtime
    from ..factory import FactoryOptions, LLMOptions, run_workflow
    from ..fleet import get_fleet

    async def progress(stage: str, text: str, done: bool) -> None:
        if done:
            click.echo(text)

    llm = LLMOptions(
        **{f"{g}_model": model for g in ("backend", "qa", "frontend", "infrastructure", "docs")}
    )
    try:
        options = FactoryOptions(
            use_llm=not no_llm, llm=llm, repair_rounds=repair_rounds, coverage_goal=coverage_goal
        )
    except ValueError as exc:
        _fail(AlphaOmegaError(f"bad option: {exc.errors()[0]['msg']}"))  # type: ignore[attr-defined]
    fleet = None if no_llm else get_fleet()
    try:
        result = runtime.call(run_workflow(sentence, options, out, fleet=fleet, progress=progress))
    except AlphaOmegaError as exc:
        _fail(exc)
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"wrote {out} and {out / 'factory-report.json'}")
    if not result.report.passed:
        click.echo(result.verification.output_tail, err=True)
    sys.exit(0 if result.report.passed else 1)
