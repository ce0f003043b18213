"""The ``alphaomega`` command. Each command is thin: the work lives in the modules it calls."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .errors import AlphaOmegaError


def _fail(exc: AlphaOmegaError) -> None:
    click.echo(f"error: {exc.user_message()}", err=True)
    sys.exit(2)


@click.group()
@click.option("--log-level", default="INFO", show_default=True, help="Logging level.")
def main(log_level: str) -> None:
    """AlphaOmega: Open WebUI's front door to a multi-GPU local AI rig."""
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    # One line per backend request would drown what matters.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Holds the plugins, their valves and the API key.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9099, show_default=True, type=int)
def serve(data_dir: Path, host: str, port: int) -> None:
    """Run the Pipelines server with every AlphaOmega plugin loaded."""
    from . import serve as serving

    try:
        settings = serving.prepare(data_dir, host, port)
    except AlphaOmegaError as exc:
        _fail(exc)
    click.echo(serving.banner(settings))
    serving.run(settings)


@main.command()
def doctor() -> None:
    """Probe every configured backend; exit 1 when a required one is down."""
    from . import runtime
    from .doctor import exit_status, probe_fleet, render_table
    from .fleet import get_fleet

    try:
        probes = runtime.call(probe_fleet(get_fleet()))
    except AlphaOmegaError as exc:
        _fail(exc)
    click.echo(render_table(probes))
    sys.exit(exit_status(probes))


@main.command()
@click.option("--gpus", default="auto", show_default=True, help="How many GPUs, or 'auto'.")
@click.option("--vendor", type=click.Choice(["nvidia", "amd"]), default="nvidia", show_default=True)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=Path("docker/compose.gpus.yml"),
    show_default=True,
)
def compose(gpus: str, vendor: str, output: Path) -> None:
    """Write the per-GPU compose override (one Ollama per GPU) and print the fleet setting."""
    from . import compose as composing

    try:
        count = composing.count_gpus(vendor) if gpus == "auto" else int(gpus)
        text = composing.render(count, vendor)
    except ValueError:
        _fail(AlphaOmegaError(f"--gpus takes a number or 'auto', not {gpus!r}"))
    except AlphaOmegaError as exc:
        _fail(exc)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    click.echo(f"wrote {output} for {count} {vendor} GPU(s)")
    click.echo(f"ALPHAOMEGA_FLEET={composing.fleet_setting(count)}")
    click.echo(f"start: docker compose -f docker-compose.yml -f {output} up -d")


@main.group()
def valves() -> None:
    """Valve presets for a running pack."""


@valves.command("apply")
@click.argument("preset", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default="http://127.0.0.1:9099", show_default=True)
@click.option("--api-key", envvar="PIPELINES_API_KEY", help="The server's key [PIPELINES_API_KEY].")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Where `alphaomega serve` keeps its key, read when no key is given.",
)
def valves_apply(preset: Path, url: str, api_key: str | None, data_dir: Path) -> None:
    """Set the valves a PRESET file names, keeping every other valve as it is."""
    from .valves import apply_preset, find_api_key, load_preset

    try:
        changed = apply_preset(url, load_preset(preset), find_api_key(api_key, data_dir))
    except AlphaOmegaError as exc:
        _fail(exc)
    for plugin_id, names in changed.items():
        click.echo(f"{plugin_id}: {', '.join(names)}")


@main.group()
def sim() -> None:
    """Backend simulators, for demos and benchmarks (never for a real deployment)."""


@sim.command("ollama")
@click.option("--port", default=11434, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--model", "models", multiple=True, help="A model to offer (repeatable).")
@click.option("--gpu-vram", default="24GB", show_default=True, help="Simulated GPU memory.")
@click.option("--num-parallel", default=4, show_default=True, type=int)
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    type=float,
    help="Multiply every simulated duration (0.01 = a hundred times faster).",
)
def sim_ollama(
    port: int,
    host: str,
    models: tuple[str, ...],
    gpu_vram: str,
    num_parallel: int,
    time_scale: float,
) -> None:
    """An Ollama simulator speaking Ollama's wire protocol."""
    from .testing.ollama_sim import run_sim_cli

    run_sim_cli(
        port=port,
        host=host,
        models=list(models),
        gpu_vram=gpu_vram,
        num_parallel=num_parallel,
        time_scale=time_scale,
    )


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
    from .agent import HostSettings, run_host

    settings = HostSettings(data_dir=data_dir, actions_per_minute=actions_per_minute)
    try:
        run_host(settings, host, port, click.echo)
    except AlphaOmegaError as exc:
        _fail(exc)


if __name__ == "__main__":
    main()
