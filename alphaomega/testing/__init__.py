"""Test equipment: simulators and receivers that speak the real backends' wire protocols.

They stand in for backends in tests, benchmarks and a person's own experiments; never in a
deployment.
"""

from .ollama_sim import (
    CATALOG,
    DEFAULT_MODEL_NAMES,
    OLLAMA_VERSION,
    Fault,
    FaultKind,
    OllamaSim,
    SimModel,
    SimRequest,
    SimStats,
    model_from_spec,
    parse_size,
    run_sim_cli,
)
from .otlp_receiver import OtlpReceiver
from .pipelines_server import PipelinesServer, free_port, streamed_text

__all__ = [
    "CATALOG",
    "DEFAULT_MODEL_NAMES",
    "OLLAMA_VERSION",
    "Fault",
    "FaultKind",
    "OllamaSim",
    "OtlpReceiver",
    "PipelinesServer",
    "SimModel",
    "SimRequest",
    "SimStats",
    "free_port",
    "model_from_spec",
    "parse_size",
    "run_sim_cli",
    "streamed_text",
]
