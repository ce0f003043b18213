"""AlphaOmega: the plugin pack that makes one Open WebUI the front door to a multi-GPU rig.

The public surface is re-exported here; the modules behind it are the pack's own business.
"""

from .auto import AutoRouter, AutoSettings
from .errors import (
    AlphaOmegaError,
    BackendError,
    BackendProtocolError,
    BackendStatusError,
    BackendTimeout,
    BackendUnavailable,
    ConfigError,
    InputError,
    ModelNotFound,
    StreamInterrupted,
)
from .fleet import Fleet, OllamaClient, OpenAICompatClient, get_fleet
from .pack import Pack
from .pipes import CodeSettings, FleetChatModel

__version__ = "0.1.0"

__all__ = [
    "AlphaOmegaError",
    "AutoRouter",
    "AutoSettings",
    "BackendError",
    "BackendProtocolError",
    "BackendStatusError",
    "BackendTimeout",
    "BackendUnavailable",
    "CodeSettings",
    "ConfigError",
    "Fleet",
    "FleetChatModel",
    "InputError",
    "ModelNotFound",
    "OllamaClient",
    "OpenAICompatClient",
    "Pack",
    "StreamInterrupted",
    "get_fleet",
    "__version__",
]
