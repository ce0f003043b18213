"""The ``alphaomega`` command. Each command is thin: the work lives in the modules it calls."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from .errors import AlphaOmegaError, ConfigError


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
    from . import runtime
    from .doctor import comfyui_report, full_status, probe_fleet, render_advice, render_table
    from .fleet import get_fleet
    from .provision import inventory
    from .serve import pack_root

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
    from . import compose as composing

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
    from .valves import apply_preset, find_api_key, load_preset

    try:
        if owui_url:
            from .distribution import apply_preset_openwebui

            if not api_key:
                raise ConfigError("--openwebui needs --api-key (an admin's key or token)")
            changed = apply_preset_openwebui(owui_url, api_key, load_preset(preset))
        else:
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
    from . import provision, runtime
    from .fleet import fleet_from_env
    from .quiet import quiet_dependencies
    from .serve import pack_root

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
    from .valves import find_api_key

    try:
        click.echo(find_api_key(os.environ.get("PIPELINES_API_KEY"), data_dir))
    except AlphaOmegaError as exc:
        _fail(exc)


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
    from .factory import load_token, serve

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
    from . import runtime
    from .factory import FactoryOptions, LLMOptions, run_workflow
    from .fleet import get_fleet

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


@sim.command("comfyui")
@click.option("--port", default=8188, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--checkpoint", "checkpoints", multiple=True, help="A checkpoint (repeatable).")
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    type=float,
    help="Multiply every simulated duration (0.1 = ten times faster).",
)
def sim_comfyui(port: int, host: str, checkpoints: tuple[str, ...], time_scale: float) -> None:
    """A ComfyUI simulator speaking ComfyUI's routes and websocket (real PNGs, time-scaled)."""
    from .testing.comfyui_sim import run_sim_cli

    click.echo(f"ComfyUI simulator (test equipment) on http://{host}:{port}")
    run_sim_cli(port=port, host=host, checkpoints=list(checkpoints), time_scale=time_scale)


# -- distribution: bundle, upload, install -------------------------------------------------------


@main.command()
@click.option(
    "--target",
    type=click.Choice(["pipelines", "functions"]),
    default="pipelines",
    show_default=True,
    help="pipelines: files to upload into a Pipelines server; functions: Open WebUI Functions "
    "and Tools.",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The folder to write.")
@click.option("--source", type=click.Path(path_type=Path), help="The pack's checkout.")
@click.option("--no-wheel", is_flag=True, help="Skip building the pack's wheel into wheels/.")
def bundle(target: str, out: Path, source: Path | None, no_wheel: bool) -> None:
    """Write every plugin for TARGET, the pack's wheel and a manifest into OUT."""
    from .distribution import bundle as write_bundle

    try:
        written = write_bundle(target, out, root=source, wheel=not no_wheel)
    except AlphaOmegaError as exc:
        _fail(exc)
    for entry in written:
        click.echo(f"{entry.file}: {entry.kind} {entry.id} ({entry.requirement})")
    click.echo(f"wrote {len(written)} files to {out}")


@main.command()
@click.argument("plugins", nargs=-1)
@click.option("--url", default="http://127.0.0.1:9099", show_default=True)
@click.option("--key", envvar="PIPELINES_API_KEY", required=True, help="[PIPELINES_API_KEY]")
@click.option(
    "--bundle",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("bundle"),
    show_default=True,
    help="A folder `alphaomega bundle --target pipelines` wrote.",
)
def upload(plugins: tuple[str, ...], url: str, key: str, folder: Path) -> None:
    """Upload PLUGINS (all when none) into a Pipelines server; exit 1 if one did not load."""
    from .distribution import upload as send

    try:
        results = send(url, key, folder, list(plugins))
    except AlphaOmegaError as exc:
        _fail(exc)
    for result in results:
        state = "loaded" if result.loaded else f"NOT LOADED: {result.problem}"
        click.echo(f"{result.file} ({result.id}): {state}")
    sys.exit(0 if all(r.loaded for r in results) else 1)


@main.command()
@click.option("--openwebui", "url", required=True, help="Open WebUI's URL.")
@click.option(
    "--api-key",
    envvar="OPENWEBUI_API_KEY",
    required=True,
    help="An admin's API key or session token [OPENWEBUI_API_KEY].",
)
@click.option(
    "--bundle",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("bundle-functions"),
    show_default=True,
    help="A folder `alphaomega bundle --target functions` wrote.",
)
def install(url: str, api_key: str, folder: Path) -> None:
    """Create or update the pack's Functions and Tools in Open WebUI and switch them on."""
    from .distribution import install as put

    try:
        done = put(url, api_key, folder)
    except AlphaOmegaError as exc:
        _fail(exc)
    for item in done:
        scope = ", global" if item.is_global else ""
        state = "on" if item.active else "OFF"
        click.echo(f"{item.file}: {item.kind} {item.id} {item.action} ({state}{scope})")
    sys.exit(0 if all(i.active for i in done) else 1)


if __name__ == "__main__":
    main()
