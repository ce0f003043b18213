"""Backend simulators (test equipment) as commands."""

from __future__ import annotations

import click

from ._base import main


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
    from ..testing.ollama_sim import run_sim_cli

    run_sim_cli(
        port=port,
        host=host,
        models=list(models),
        gpu_vram=gpu_vram,
        num_parallel=num_parallel,
        time_scale=time_scale,
    )


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
    from ..testing.comfyui_sim import run_sim_cli

    click.echo(f"ComfyUI simulator (test equipment) on http://{host}:{port}")
    run_sim_cli(port=port, host=host, checkpoints=list(checkpoints), time_scale=time_scale)
