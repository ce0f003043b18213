"""Installing the pack elsewhere: bundle, upload, install."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import AlphaOmegaError
from ._base import fail as _fail
from ._base import main

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
    from ..distribution import bundle as write_bundle

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
    from ..distribution import upload as send

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
    from ..distribution import install as put

    try:
        done = put(url, api_key, folder)
    except AlphaOmegaError as exc:
        _fail(exc)
    for item in done:
        scope = ", global" if item.is_global else ""
        state = "on" if item.active else "OFF"
        click.echo(f"{item.file}: {item.kind} {item.id} {item.action} ({state}{scope})")
    sys.exit(0 if all(i.active for i in done) else 1)
