"""Computer use: the agent host on the desktop, its client, and the Screen and Agent-S models."""

from ._agent_s import AgentSPlanner, engine_params
from ._client import (
    ActionRefused,
    ActRequest,
    ActResult,
    AgentHostDown,
    AgentHostError,
    Frame,
    HostClient,
    Screenshot,
    frame_of,
    host_address,
    thumbnail_markdown,
)
from ._guard import ActionAudit, RateLimit, bearer_matches, host_token
from ._host import HostSettings, create_app, host_banner, run_host
from ._loop import AgentRun, Pending
from ._models import AgentModel, ScreenModel, answers_pending_step
from ._planner import BuiltInPlanner, PlanError, PlannedStep, PlannerAction, parse_answer, to_step
from ._settings import AgentSettings, ScreenSettings

__all__ = [
    "ActRequest",
    "ActResult",
    "ActionAudit",
    "ActionRefused",
    "AgentHostDown",
    "AgentHostError",
    "AgentModel",
    "AgentRun",
    "AgentSPlanner",
    "AgentSettings",
    "answers_pending_step",
    "BuiltInPlanner",
    "Frame",
    "HostClient",
    "HostSettings",
    "Pending",
    "PlanError",
    "PlannedStep",
    "PlannerAction",
    "RateLimit",
    "ScreenModel",
    "ScreenSettings",
    "Screenshot",
    "bearer_matches",
    "create_app",
    "engine_params",
    "frame_of",
    "host_address",
    "host_banner",
    "host_token",
    "parse_answer",
    "run_host",
    "thumbnail_markdown",
    "to_step",
]
