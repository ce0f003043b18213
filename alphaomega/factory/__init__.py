"""The Factory: a whole application from one sentence, proven by running its own tests.

Stages (each a typed model the next consumes): intent → specification → architecture →
generation (templates, then models on the fleet in parallel) → assembly (every file checked)
→ verification (the project's tests in a sandbox, repairs from the failing output) → delivery
(the project, a zip, ``factory-report.json``). Generated code runs only in the sandbox, and
only in the factory host (``alphaomega factory-host``), never in the Pipelines server.
"""

from ._checks import check_file
from ._client import FactoryClient, FactoryHostUnavailable
from ._host import DEFAULT_PORT, FactoryHost, download_sig, load_token, serve
from ._intent import extract_intent
from ._llm import LLMOptions, parse_files
from ._model import FactoryModel, FactorySettings, render_answer
from ._sandbox import SandboxLimits, isolation_available, run_tests
from ._spec import ConstraintViolation, design, specify
from ._stages import (
    Architecture,
    Delivery,
    Entity,
    EntityField,
    FactoryReport,
    GeneratedFile,
    Intent,
    Specification,
    StageTiming,
    Verification,
)
from ._templates import project_paths, render_project
from ._workflow import FactoryOptions, WorkflowResult, run_workflow, tree_text, zip_bytes

__all__ = [
    "DEFAULT_PORT",
    "FactoryClient",
    "FactoryHost",
    "FactoryHostUnavailable",
    "FactoryModel",
    "FactorySettings",
    "download_sig",
    "load_token",
    "render_answer",
    "serve",
    "Architecture",
    "ConstraintViolation",
    "Delivery",
    "Entity",
    "EntityField",
    "FactoryOptions",
    "FactoryReport",
    "GeneratedFile",
    "Intent",
    "LLMOptions",
    "SandboxLimits",
    "Specification",
    "StageTiming",
    "Verification",
    "WorkflowResult",
    "check_file",
    "design",
    "extract_intent",
    "isolation_available",
    "parse_files",
    "project_paths",
    "render_project",
    "run_tests",
    "run_workflow",
    "specify",
    "tree_text",
    "zip_bytes",
]
