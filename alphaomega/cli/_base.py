"""The ``alphaomega`` group and what every command shares."""

from __future__ import annotations

import logging
import sys

import click

from ..errors import AlphaOmegaError


def fail(exc: AlphaOmegaError) -> None:
    click.echo(f"error: {exc.user_message()}", err=True)
    sys.exit(2)


@click.group()
@click.option("--log-level", default="INFO", show_default=True, help="Logging level.")
def main(log_level: str) -> None:
    """AlphaOmega: Open WebUI's front door to a multi-GPU local AI rig."""
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    # One line per backend request would drown what matters.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
