"""Backend instances (Ollama and OpenAI-compatible), one per GPU, and where a chat goes."""

from .breaker import CircuitBreaker
from .config import (
    FleetConfig,
    FleetSettings,
    InstanceConfig,
    fleet_from_env,
    load_fleet_file,
    parse_fleet,
)
from .fleet import Fleet, InstanceState, get_fleet, set_fleet
from .models import ChatDelta, ChatMessage, ChatRequest, LoadedModel, ModelInfo, Usage
from .ollama import OllamaClient
from .openai_compat import OpenAICompatClient
from .scheduler import Candidate, Choice, rank

__all__ = [
    "Candidate",
    "ChatDelta",
    "ChatMessage",
    "ChatRequest",
    "Choice",
    "CircuitBreaker",
    "Fleet",
    "FleetConfig",
    "FleetSettings",
    "InstanceConfig",
    "InstanceState",
    "LoadedModel",
    "ModelInfo",
    "OllamaClient",
    "OpenAICompatClient",
    "Usage",
    "fleet_from_env",
    "get_fleet",
    "load_fleet_file",
    "parse_fleet",
    "rank",
    "set_fleet",
]
