"""The stages' typed results: each stage consumes the one before (no I/O here).

intent → specification → architecture → generation → assembly → verification → delivery.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

AppType = Literal["rest_api", "cli", "worker", "web"]
FieldType = Literal["str", "int", "float", "bool"]
Language = Literal["en", "de", "es"]
APP_TYPE_NAMES = {
    "rest_api": "REST API",
    "cli": "command-line tool",
    "worker": "worker service",
    "web": "web app",
}


class EntityField(BaseModel):
    name: str = Field(description="Identifier of the field (snake_case, ASCII)")
    type: FieldType = "str"


class Entity(BaseModel):
    name: str = Field(description="Identifier of one entity (snake_case, ASCII, singular)")
    plural: str = Field(description="Identifier of many (table and route names)")
    label: str = Field(description="The word as the request wrote it")
    fields: list[EntityField]

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))


class Intent(BaseModel):
    text: str
    language: Language
    app_type: AppType
    framework: Literal["fastapi", "flask", "argparse"]
    entities: list[Entity]
    operations: list[str] = Field(description="create, list, get, update, delete, search")
    technologies: list[str]


class Specification(BaseModel):
    intent: Intent
    functional: list[str] = Field(description="What the app does, one requirement per line")
    technical: list[str] = Field(description="How: language, framework, storage, tests")
    complexity: int = Field(description="1–10; the seed's limit is 10")
    scalability: int = Field(description="1–10; the seed asks for at least 5")
    security_level: Literal["basic", "standard", "high"]
    test_coverage_goal: float = Field(description="Share of lines the tests must cover (≥ 0.7)")


class Interface(BaseModel):
    name: str
    provider: str = Field(description="The file that offers it")
    consumer: str = Field(description="Who calls it: a file, 'http client' or 'shell'")
    kind: Literal["http", "python", "cli", "sql"]
    detail: str


class Architecture(BaseModel):
    pattern: Literal["layered", "mvc", "event-driven", "monolith"]
    layers: list[str]
    files: list[str] = Field(description="The project's file tree, paths relative to its root")
    interfaces: list[Interface]


class GeneratedFile(BaseModel):
    path: str
    content: str
    source: Literal["template", "llm", "repair"] = "template"
    generator: str = "template"


class FileRejection(BaseModel):
    path: str
    generator: str
    reason: str


class Generation(BaseModel):
    files: list[GeneratedFile]
    instances: list[str] = Field(default_factory=list, description="Fleet instances that wrote")
    rejected: list[FileRejection] = Field(default_factory=list)
    llm: bool = False


class Verification(BaseModel):
    passed: bool
    tests_passed: int
    tests_failed: int
    coverage: float | None = Field(description="Share of the app's lines the tests ran")
    timed_out: bool = False
    network_isolated: bool
    unprivileged: bool = Field(default=False, description="The tests ran as 'nobody'")
    output_tail: str = Field(description="The end of the test run's output")
    repair_rounds: int = 0


class StageTiming(BaseModel):
    name: str
    seconds: float
    summary: str


class Delivery(BaseModel):
    project_dir: str
    zip_path: str
    tree: str
    key_files: list[str]


class FactoryReport(BaseModel):
    """What ``factory-report.json`` holds and the host keeps per workflow."""

    request: str
    app_type: AppType
    language: Language
    entities: list[str]
    pattern: str
    files: int
    llm: bool
    tests_passed: int
    tests_failed: int
    coverage: float | None
    passed: bool
    network_isolated: bool
    repair_rounds: int
    stages: list[StageTiming]
