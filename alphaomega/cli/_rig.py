"""Commands for the rig: serve, doctor, compose, valve presets, pull and the key."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import AlphaOmegaError, ConfigError
from ._base import fail as _fail
from ._base import main


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
    from .. import serve as serving

    try:
        settings = serving.prepare(data_dir, host, port)
    except AlphaOmegaError as exc:
        _fail(exc)
    click.echo(serving.banner(settings))
    serving.run(settings)


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("data"),
    envvar="ALPHAOMEGA_DATA_DIR",
    show_default=True,
    help="Where `alphaomega serve` keeps the plugins' valves [ALPHAOMEGA_DATA_DIR].",
)
def doctor(data_dir: Path) -> None:
    """Probe every configured backend, check the models the valves name, say what to do;
    exit 1 when a required backend is down or a model is missing."""
    from .. import runtime
    from ..doctor import comfyui_report, full_status, probe_fleet, render_advice, render_table
    from ..fleet import get_fleet
    from ..provision import inventory
    from ..serve import pack_root

    try:
        probes = runtime.call(probe_fleet(get_fleet()))
        wanted = inventory(pack_root(), data_dir / "pipelines")
    except AlphaOmegaError as exc:
        _fail(exc)
    click.echo(render_table(probes))
    click.echo(render_advice(probes, wanted))
    try:
        comfyui = comfyui_report()
    except AlphaOmegaError as exc:
        _fail(exc)
    if comfyui is not None:
        click.echo(comfyui[0])
    comfyui_down = comfyui is not None and not comfyui[1]
    sys.exit(1 if full_status(probes, wanted) or comfyui_down else 0)


@main.command()
@click.option("--gpus", default="auto", show_default=True, help="How many GPUs, or 'auto'.")
@click.option("--vendor", type=click.Choice(["nvidia", "amd"]), default="nvidia", show_default=True)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=Path("docker/compose.gpus.yml"),
    show_default=True,
)
@click.option(
    "--comfyui-gpus",
    default="",
    help="GPU indices that also run a ComfyUI each, e.g. '2' or '2,3' (image: COMFYUI_IMAGE).",
)
def compose(gpus: str, vendor: str, output: Path, comfyui_gpus: str) -> None:
    """Write the per-GPU compose override (one Ollama per GPU) and print the fleet setting."""
    from .. import compose as composing

    try:
        count = composing.count_gpus(vendor) if gpus == "auto" else int(gpus)
        vram = composing.gpu_vram(vendor)[:count] if gpus == "auto" else []
        comfy = composing.parse_gpu_list(comfyui_gpus)
        text = composing.render(count, vendor, vram, comfy)
    except ValueError:
        _fail(AlphaOmegaError(f"--gpus takes a number or 'auto', not {gpus!r}"))
    except AlphaOmegaError as exc:
        _fail(exc)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    click.echo(f"wrote {output} for {count} {vendor} GPU(s)")
    click.echo(f"ALPHAOMEGA_FLEET={composing.fleet_setting(count, vram)}")
    if comfy:
        click.echo(f"ALPHAOMEGA_COMFYUI={composing.comfyui_setting(comfy)}")
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
@click.option(
    "--openwebui",
    "owui_url",
    help="Apply to the pack's Functions in this Open WebUI instead (--api-key: an admin's).",
)
def valves_apply(
    preset: Path, url: str, api_key: str | None, data_dir: Path, owui_url: str | None
) -> None:
    """Set the valves a PRESET file names, keeping every other valve as it is."""
    from ..valves import apply_preset, find_api_key, load_preset

    try:
        if owui_url:
            from ..distribution import apply_preset_openwebui

            if not api_key:
                raise ConfigError("--openwebui needs --api-key (an admin's key or token)")
            changed = apply_preset_openwebui(owui_url, api_key, load_preset(preset))
        else:
            changed = apply_preset(url, load_preset(preset), find_api_key(api_key, data_dir))
    except AlphaOmegaError as exc:
        _fail(exc)
    for plugin_id, names in changed.items():
        click.echo(f"{plugin_id}: {', '.join(names)}")


# -- models where they belong, and the key ------------------------------------------------------

_DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("data"),
    envvar="ALPHAOMEGA_DATA_DIR",
    show_default=True,
    help="The folder `alphaomega serve` keeps the plugins, valves and key in "
    "[ALPHAOMEGA_DATA_DIR].",
)


@main.command()
@click.option("--plan", "plan_only", is_flag=True, help="Only show where each model would go.")
@click.option("--all", "include_unused", is_flag=True, help="Also models no valve switches on.")
@click.option("--plain", is_flag=True, help="A line per 10 % instead of bars, also on a terminal.")
@_DATA_DIR_OPTION
def pull(plan_only: bool, include_unused: bool, plain: bool, data_dir: Path) -> None:
    """Pull every Ollama model the plugins' valves name onto the fleet, one role per GPU.

    Exit status: 0 when every model is in place, 1 when one is not (a failed pull, a model
    larger than every GPU, no instance up)."""
    from .. import provision, runtime
    from ..fleet import fleet_from_env
    from ..quiet import quiet_dependencies
    from ..serve import pack_root

    quiet_dependencies()  # reading the plugin files imports their dependencies
    try:
        config = fleet_from_env()
        plan, clients = runtime.call(
            provision.plan_for(pack_root(), data_dir / "pipelines", config, include_unused)
        )
    except AlphaOmegaError as exc:
        _fail(exc)
    for line in provision.render_plan(plan):
        click.echo(line)
    if plan_only:
        sys.exit(0 if not plan.unplaced else 1)
    if sys.stdout.isatty() and not plain:
        report = provision.TerminalBars(sys.stdout)
    else:
        report = provision.PlainLines(click.echo)
    outcomes = runtime.call(provision.pull(plan, clients, report))
    ok = provision.all_in_place(plan, outcomes)
    failed = [o for o in outcomes if not o.ok]
    if ok:
        click.echo("Every model is in place.")
    else:
        missing = [f"{o.placement.model} ({o.placement.target})" for o in failed]
        missing += [p.model for p in plan.unplaced]
        click.echo(
            f"Not in place: {', '.join(missing)}. Fix what is said above, then run "
            "`alphaomega pull` again (what is in place is skipped)."
        )
    sys.exit(0 if ok else 1)


@main.command()
@_DATA_DIR_OPTION
def key(data_dir: Path) -> None:
    """Print the API key Open WebUI needs for the pack's Pipelines server."""
    from ..valves import find_api_key

    try:
        click.echo(find_api_key(os.environ.get("PIPELINES_API_KEY"), data_dir))
    except AlphaOmegaError as exc:
        _fail(exc)
