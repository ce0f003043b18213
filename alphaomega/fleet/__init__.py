"""Backend instances (Ollama and OpenAI-compatible), one per GPU, and where a chat goes."""

from ._breaker import CircuitBreaker
from ._config import (
    FleetConfig,
    FleetSettings,
    InstanceConfig,
    fleet_from_env,
    load_fleet_file,
    parse_fleet,
    parse_size,
)
from ._fleet import Fleet, InstanceState, get_fleet, set_fleet
from ._models import (
    ChatDelta,
    ChatMessage,
    ChatRequest,
    LoadedModel,
    ModelInfo,
    PullProgress,
    ToolCall,
    Usage,
)
from ._ollama import OllamaClient
from ._openai_compat import OpenAICompatClient
from ._scheduler import Candidate, Choice, Resident, assess, rank

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
    "parse_size",
    "PullProgress",
    "Resident",
    "assess",
    "ToolCall",
    "Usage",
    "fleet_from_env",
    "get_fleet",
    "load_fleet_file",
    "parse_fleet",
    "rank",
    "set_fleet",
]
