"""Backend instances (Ollama and OpenAI-compatible), one per GPU, and where a chat goes."""

from .config import FleetConfig, InstanceConfig, fleet_from_env, parse_fleet
from .fleet import Fleet, InstanceState, get_fleet, set_fleet
from .models import ChatDelta, ChatMessage, ChatRequest, LoadedModel, ModelInfo, Usage
from .ollama import OllamaClient
from .openai_compat import OpenAICompatClient

__all__ = [
    "ChatDelta",
    "ChatMessage",
    "ChatRequest",
    "Fleet",
    "FleetConfig",
    "InstanceConfig",
    "InstanceState",
    "LoadedModel",
    "ModelInfo",
    "OllamaClient",
    "OpenAICompatClient",
    "fleet_from_env",
    "get_fleet",
    "parse_fleet",
    "set_fleet",
]
