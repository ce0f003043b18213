"""Test equipment: simulators and receivers that speak the real backends' wire protocols.

They stand in for backends in tests, benchmarks and a person's own experiments; never in a
deployment. Import the module you need (``alphaomega.testing.ollama_sim``, ...).
"""

from .pipelines_server import PipelinesServer, free_port, streamed_text

__all__ = ["PipelinesServer", "free_port", "streamed_text"]
