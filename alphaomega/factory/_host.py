"""The factory host (``alphaomega factory-host``): the Factory's HTTP API, the seed's routes.

It runs generated code (in the sandbox), so it is a process of its own, never the Pipelines
server: the Factory model calls it. It binds to loopback by default and asks for its token as
``Authorization: Bearer TOKEN`` on every route but ``GET /health`` (constant-time compare). A
zip can also be fetched with ``?sig=``: an HMAC of the workflow id under the token, which the
host hands only to token holders, so a browser link never carries the token itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from .. import runtime
from ..errors import AlphaOmegaError, InputError
from ..fleet import get_fleet
from ._intent import extract_intent
from ._sandbox import isolation_available
from ._spec import design, specify
from ._store import WorkflowRecord, WorkflowStore
from ._templates import project_title
from ._workflow import FactoryOptions, WorkflowResult, run_workflow

log = logging.getLogger(__name__)

TOKEN_ENV = "ALPHAOMEGA_FACTORY_TOKEN"
DEFAULT_PORT = 5009
API = "/api/v1/factory"


def load_token(data_dir: Path) -> str:
    """``ALPHAOMEGA_FACTORY_TOKEN``, else a random token made once in ``data_dir/factory_token``."""
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    path = data_dir / "factory_token"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(token + "\n")
    return token


def download_sig(token: str, workflow_id: str) -> str:
    return hmac.new(token.encode(), workflow_id.encode(), hashlib.sha256).hexdigest()


class RequestBody(BaseModel):
    request: str = Field(min_length=1, max_length=4000)


class ProcessBody(RequestBody):
    options: FactoryOptions = Field(default_factory=FactoryOptions)
    wait: bool = Field(default=False, description="Answer when the workflow ends")


class TokenGate:
    """Every route but ``GET /health`` needs the bearer token (or a download signature)."""

    def __init__(self, inner: Any, token: str) -> None:
        self.inner, self._token = inner, token.encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            log.info("refused %s %s: no valid token", scope["method"], scope["path"])
            response = JSONResponse(
                {"detail": "missing or wrong token"},
                status_code=401,
                headers={"www-authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        await self.inner(scope, receive, send)

    def _allowed(self, scope: dict) -> bool:
        if scope["path"] == "/health" and scope["method"] in ("GET", "HEAD"):
            return True
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"authorization", b"")
        if given.startswith(b"Bearer ") and hmac.compare_digest(given[7:].strip(), self._token):
            return True
        match = re.fullmatch(rf"{API}/workflow/([0-9a-f]{{32}})/download", scope["path"])
        query = dict(
            part.split("=", 1) for part in scope["query_string"].decode().split("&") if "=" in part
        )
        if match and scope["method"] == "GET" and "sig" in query:
            expected = download_sig(self._token.decode(), match[1])
            return hmac.compare_digest(query["sig"].encode(), expected.encode())
        return False


class FactoryHost:
    def __init__(self, data_dir: Path, token: str, *, max_parallel: int = 2) -> None:
        self.data_dir = data_dir
        self.token = token
        self.store = WorkflowStore(data_dir / "workflows.sqlite")
        self._slots = asyncio.Semaphore(max_parallel)
        self._tasks: set[asyncio.Task] = set()
        interrupted = self.store.mark_interrupted()
        if interrupted:
            log.warning("%d workflow(s) were interrupted by the last stop", interrupted)
        self.app = TokenGate(self._build(), token)

    def _build(self) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            yield
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await asyncio.to_thread(self.store.mark_interrupted)

        async def refused(request: Any, exc: Exception) -> JSONResponse:
            assert isinstance(exc, InputError)
            return JSONResponse({"detail": exc.user_message()}, status_code=422)

        app = FastAPI(title="AlphaOmega factory host", lifespan=lifespan)
        app.add_exception_handler(InputError, refused)
        app.add_api_route("/health", self.health, methods=["GET"])
        app.add_api_route(f"{API}/intent", self.intent, methods=["POST"])
        app.add_api_route(f"{API}/specification", self.specification, methods=["POST"])
        app.add_api_route(f"{API}/architecture", self.architecture, methods=["POST"])
        app.add_api_route(f"{API}/process", self.process, methods=["POST"], status_code=202)
        app.add_api_route(f"{API}/workflows", self.workflows, methods=["GET"])
        app.add_api_route(f"{API}/workflow/{{workflow_id}}", self.workflow, methods=["GET"])
        app.add_api_route(
            f"{API}/workflow/{{workflow_id}}/download", self.download, methods=["GET"]
        )
        return app

    async def health(self) -> dict[str, Any]:
        return {"status": "ok", "network_isolation": isolation_available()}

    async def intent(self, body: RequestBody) -> dict[str, Any]:
        return extract_intent(body.request).model_dump()

    async def specification(self, body: RequestBody) -> dict[str, Any]:
        return specify(extract_intent(body.request)).model_dump()

    async def architecture(self, body: RequestBody) -> dict[str, Any]:
        spec = specify(extract_intent(body.request))
        return {"specification": spec.model_dump(), "architecture": design(spec).model_dump()}

    async def process(self, body: ProcessBody) -> dict[str, Any]:
        """Start the whole workflow; its progress is readable at ``/workflow/{id}``."""
        record = await asyncio.to_thread(self.store.create, body.request)
        task = asyncio.create_task(self._run(record, body.options))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if body.wait:
            await asyncio.shield(task)
        return await self._view(record.id)

    async def workflow(self, workflow_id: str) -> dict[str, Any]:
        return await self._view(workflow_id)

    async def workflows(self) -> list[dict[str, Any]]:
        records = await asyncio.to_thread(self.store.list)
        return [r.model_dump(exclude={"events", "result"}) for r in records]

    async def download(self, workflow_id: str) -> FileResponse:
        zip_path = await asyncio.to_thread(self._zip_of, workflow_id)
        if zip_path is None:
            raise HTTPException(404, "no project to download for this workflow")
        return FileResponse(zip_path, media_type="application/zip", filename=zip_path.name)

    def _zip_of(self, workflow_id: str) -> Path | None:
        record = self.store.get(workflow_id)
        name = (record.result or {}).get("zip_path") if record else None
        return Path(name) if name and Path(name).is_file() else None

    async def _view(self, workflow_id: str) -> dict[str, Any]:
        record = await asyncio.to_thread(self.store.get, workflow_id)
        if record is None:
            raise HTTPException(404, "no such workflow")
        view = record.model_dump()
        if record.result and record.result.get("zip_path"):
            view["download"] = f"{API}/workflow/{record.id}/download"
            view["download_sig"] = download_sig(self.token, record.id)
        return view

    async def _run(self, record: WorkflowRecord, options: FactoryOptions) -> None:
        async def progress(stage: str, text: str, done: bool) -> None:
            await asyncio.to_thread(self.store.add_event, record.id, stage, text, done)

        folder = self.data_dir / "workflows" / record.id
        try:
            async with self._slots:
                # Backend I/O belongs on the pack's loop; the workflow runs there.
                result = await runtime.run(
                    self._workflow(record, options, folder, progress)  # type: ignore[arg-type]
                )
        except InputError as exc:
            await asyncio.to_thread(
                self.store.finish, record.id, "refused", error=exc.user_message()
            )
            return
        except AlphaOmegaError as exc:
            await asyncio.to_thread(
                self.store.finish, record.id, "failed", error=exc.user_message()
            )
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("workflow %s failed", record.id, exc_info=exc)
            error = f"the factory hit an internal error ({exc.__class__.__name__}: {exc})"
            await asyncio.to_thread(self.store.finish, record.id, "failed", error=error)
            return
        await asyncio.to_thread(self.store.finish, record.id, "done", result=summarize(result))

    @staticmethod
    async def _workflow(
        record: WorkflowRecord, options: FactoryOptions, folder: Path, progress: Any
    ) -> WorkflowResult:
        name = project_slug(record.request)
        fleet = get_fleet() if options.use_llm else None
        return await run_workflow(
            record.request,
            options,
            folder / name,
            zip_path=folder / f"{name}.zip",
            fleet=fleet,
            progress=progress,
            affinity=f"factory-{record.id}",
        )


def project_slug(request: str) -> str:
    try:
        title = project_title(extract_intent(request))
    except InputError:
        return "project"
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "project"


def summarize(result: WorkflowResult) -> dict[str, Any]:
    """What the host keeps of a finished workflow: the report, the tree, the key files."""
    files = {f.path: f.content for f in result.files}
    return {
        "report": result.report.model_dump(),
        "tree": result.delivery.tree,
        "key_files": {path: files[path] for path in result.delivery.key_files},
        "zip_path": result.delivery.zip_path,
        "project_dir": result.delivery.project_dir,
        "rejected": [r.model_dump() for r in result.rejected],
        "notes": result.notes,
        "output_tail": "" if result.verification.passed else result.verification.output_tail,
    }


def serve(data_dir: Path, host: str, port: int, max_parallel: int = 2) -> None:
    """Run the factory host until interrupted (blocking)."""
    import uvicorn

    token = load_token(data_dir)
    factory = FactoryHost(data_dir, token, max_parallel=max_parallel)
    uvicorn.run(factory.app, host=host, port=port, log_level="info")
