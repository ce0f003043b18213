"""Computer use: the agent host on the desktop, its client, and the Screen and Agent-S models."""

from ._client import (
    ActionRefused,
    ActResult,
    AgentHostDown,
    AgentHostError,
    HostClient,
    Screenshot,
    host_address,
)
from ._guard import ActionAudit, RateLimit, bearer_matches, host_token
from ._host import HostSettings, create_app
from ._serve import host_banner, run_host

__all__ = [
    "ActResult",
    "ActionAudit",
    "ActionRefused",
    "AgentHostDown",
    "AgentHostError",
    "HostClient",
    "HostSettings",
    "RateLimit",
    "Screenshot",
    "bearer_matches",
    "create_app",
    "host_address",
    "host_banner",
    "host_token",
    "run_host",
]
