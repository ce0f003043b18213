"""AlphaOmega · Factory: the chat model that asks the factory host for an app and shows each
stage as it happens, then the tree, the key files, the test result and the download."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, Field

from .. import chat
from ..errors import AlphaOmegaError, BackendTimeout
from ..messages import last_user_text
from ..pipes import reply_or_notice
from ..valve_guard import address_valve
from ._client import FactoryClient
from ._llm import LLMOptions
from ._sandbox import SandboxLimits
from ._stages import APP_TYPE_NAMES
from ._workflow import FactoryOptions

TOKEN_ENV = "ALPHAOMEGA_FACTORY_TOKEN"
MAX_KEY_FILES = 3
MAX_LINES = 120
LANGUAGES = {".py": "python", ".js": "javascript", ".html": "html", ".md": "markdown"}


class FactorySettings(BaseModel):
    """The Factory model's settings; the plugin's Valves are this model. The host's token is
    read from ALPHAOMEGA_FACTORY_TOKEN in the server's environment (never a valve)."""

    host_url: str = Field(
        default="http://127.0.0.1:5009",
        description="The factory host (`alphaomega factory-host`) that builds and tests apps.",
        json_schema_extra=address_valve(),
    )
    public_url: str | None = Field(
        default=None,
        description="The factory host's address as the person's browser reaches it, for the "
        "download link (empty: host_url; a browser that cannot reach it still gets the key "
        "files inline).",
        json_schema_extra=address_valve(),
    )
    use_llm: bool = Field(
        default=True,
        description="Let the fleet's models write on top of the templates (off: templates only).",
    )
    backend_model: str = Field(default="qwen2.5-coder:7b", description="Writes the app code.")
    qa_model: str = Field(default="qwen2.5-coder:7b", description="Writes the tests.")
    frontend_model: str = Field(default="qwen2.5-coder:7b", description="Writes the web page.")
    docs_model: str = Field(default="llama3.1:8b", description="Writes the README.")
    infrastructure_model: str = Field(
        default="qwen2.5-coder:7b", description="Writes the Dockerfile and requirements."
    )
    repair_rounds: int = Field(
        default=2, ge=0, le=5, description="Rounds of fixing after failing tests (models only)."
    )
    test_timeout_s: float = Field(
        default=120.0, gt=0, le=1800, description="Wall-clock limit of a project's test run."
    )
    timeout_s: float = Field(
        default=900.0, gt=0, description="Longest wait for a whole workflow, seconds."
    )

    def options(self) -> FactoryOptions:
        llm = LLMOptions(
            backend_model=self.backend_model,
            qa_model=self.qa_model,
            frontend_model=self.frontend_model,
            docs_model=self.docs_model,
            infrastructure_model=self.infrastructure_model,
        )
        limits = SandboxLimits(wall_s=self.test_timeout_s, cpu_s=int(self.test_timeout_s) + 10)
        return FactoryOptions(
            use_llm=self.use_llm, llm=llm, repair_rounds=self.repair_rounds, limits=limits
        )


class FactoryModel:
    POLL_S = 0.3

    def pipe(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: FactorySettings
    ) -> chat.SSEStream | dict[str, Any]:
        return chat.respond(body, str(body.get("model") or "factory"), self.events(
            body, messages, settings))  # fmt: skip

    def events(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: FactorySettings
    ) -> AsyncIterator[chat.Event]:
        async def source() -> AsyncIterator[chat.Event]:
            return self._build(last_user_text(messages), settings)

        return reply_or_notice(body, source)

    async def _build(self, text: str, settings: FactorySettings) -> AsyncIterator[chat.Event]:
        client = FactoryClient(settings.host_url, os.environ.get(TOKEN_ENV, ""))
        shown: str | None = None
        try:
            view = await client.process(text, settings.options())
            seen = 0
            loop = asyncio.get_running_loop()
            deadline = loop.time() + settings.timeout_s
            while True:
                for event in view["events"][seen:]:
                    if shown is not None:
                        yield chat.Status(shown, done=True, hidden=False)
                    shown = event["text"]
                    if event["done"]:
                        yield chat.Status(shown, done=True, hidden=False)
                        shown = None
                    else:
                        yield chat.Status(shown)
                seen = len(view["events"])
                if view["status"] != "running":
                    break
                if loop.time() > deadline:
                    raise BackendTimeout(
                        f"the workflow ran longer than {settings.timeout_s:g} s",
                        url=settings.host_url,
                    )
                await asyncio.sleep(self.POLL_S)
                view = await client.workflow(view["id"])
        except AlphaOmegaError as exc:
            if shown is not None:
                yield chat.Status(shown, done=True)
            yield chat.Text(f"⚠️ {exc.user_message()}")
            yield chat.Finish()
            return
        if shown is not None:
            yield chat.Status(shown, done=True)
        yield chat.Text(render_answer(view, settings.public_url or settings.host_url))
        yield chat.Finish()


def render_answer(view: dict[str, Any], public_url: str) -> str:
    """The chat answer for a finished workflow (Markdown)."""
    if view["status"] != "done":
        reason = view.get("error") or view["status"]
        return f"⚠️ The Factory did not build this app: {reason}"
    result = view["result"]
    report = result["report"]
    verdict = "✅ tests pass" if report["passed"] else "❌ tests fail"
    coverage = f", coverage {report['coverage']:.0%}" if report["coverage"] is not None else ""
    lines = [
        f"**{APP_TYPE_NAMES[report['app_type']]}** for {', '.join(report['entities'])} — "
        f"{report['pattern']} architecture, {report['files']} files. "
        f"**Tests: {report['tests_passed']} passed, {report['tests_failed']} failed"
        f"{coverage}** ({verdict}"
        + ("" if report["network_isolated"] else "; the sandbox had network access")
        + ").",
        "",
        *[f"- {stage['summary']} ({stage['seconds']:.2f} s)" for stage in report["stages"]],
        *[f"\n> {note}" for note in result.get("notes", [])],
        "",
        "```text",
        result["tree"],
        "```",
    ]
    for path, content in list(result["key_files"].items())[:MAX_KEY_FILES]:
        body = content.rstrip().splitlines()
        cut = len(body) > MAX_LINES
        language = next((v for k, v in LANGUAGES.items() if path.endswith(k)), "")
        lines += ["", f"**{path}**", f"```{language}", *body[:MAX_LINES]]
        lines += ["# … (the whole file is in the zip)"] if cut else []
        lines += ["```"]
    if not report["passed"] and result.get("output_tail"):
        lines += ["", "**Test output**", "```text", result["output_tail"][-1500:], "```"]
    if view.get("download"):
        name = result["zip_path"].rsplit("/", 1)[-1]
        link = f"{public_url.rstrip('/')}{view['download']}?sig={view['download_sig']}"
        lines += ["", f"📦 **Download:** [{name}]({link})"]
    return "\n".join(lines)
