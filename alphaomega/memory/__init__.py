"""Long-term memory per person on mem0 2.x and Qdrant, kept out of the way of every chat."""

from ..messages import is_task
from ._config import ENV_QDRANT_URL, MemorySettings, MemoryValves, shipped_model_path
from ._hooks import MemoryHooks
from ._logic import (
    DIRECT_REPLY_KEY,
    MemoryCommand,
    MemoryHit,
    direct_reply,
    inject_memories,
    parse_command,
)
from ._records import MemoryStats, SearchResult
from ._registry import open_service, release_service
from ._service import MemoryService

__all__ = [
    "DIRECT_REPLY_KEY",
    "ENV_QDRANT_URL",
    "MemoryCommand",
    "MemoryHit",
    "MemoryHooks",
    "MemoryService",
    "MemorySettings",
    "MemoryValves",
    "MemoryStats",
    "SearchResult",
    "direct_reply",
    "inject_memories",
    "is_task",
    "open_service",
    "parse_command",
    "release_service",
    "shipped_model_path",
]
