"""The pack where people already are, in the page:

1. an admin uploads a bundled file through Admin Settings → Pipelines (the file chooser, the
   upload button) into a STOCK Pipelines server (a fresh venv without the pack, pip offline from
   the bundle's ``wheels/``); the new model is picked and answers;
2. with no Pipelines server at all, ``alphaomega install`` puts the Functions into Open WebUI; a
   person picks AlphaOmega · Code and gets a streamed answer under the status line, and the
   memory filter recalls a fact in a new chat.

Each part runs an Open WebUI of its own (the suite's own keeps serving ``alphaomega serve``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_owui import LONG, SHORT, OpenWebUI
from e2e_pack import CODE_MODEL, CODE_NAME
from playwright.sync_api import expect

from alphaomega.distribution import bundle, source_root
from alphaomega.testing import stock_pipelines
from alphaomega.testing.stock_pipelines import StockPipelines
from tests.distribution.owu_server import ADMIN, OpenWebUIServer

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).parent / "screenshots"
STORE_WAIT_S = 120


def _page(browser: Any, url: str, name: str) -> tuple[Any, OpenWebUI]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(30_000)
    ui = OpenWebUI(context.new_page(), url, SHOTS, name)
    ui.sign_in(ADMIN["email"], ADMIN["password"])
    return context, ui


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for target in ("pipelines", "functions"):
        out[target] = tmp_path_factory.mktemp(f"bundle-{target}")
        bundle(target, out[target], root=source_root(), wheel=target == "pipelines")
    return out


@pytest.fixture
def stock_server(e2e_dirs, ollama, bundles, tmp_path_factory) -> Iterator[StockPipelines]:
    if not stock_pipelines.prepared():
        if os.environ.get("CI"):
            pytest.fail("no wheelhouse: python -m alphaomega.testing.stock_pipelines --prepare")
        pytest.skip("no wheelhouse: python -m alphaomega.testing.stock_pipelines --prepare")
    server = StockPipelines(
        tmp_path_factory.mktemp("stock"),
        find_links=[bundles["pipelines"] / "wheels"],
        env={"ALPHAOMEGA_FLEET": ollama.url},
    )
    server.create_venv()
    assert not server.installed("alphaomega")
    with server:
        yield server


def test_an_admin_uploads_a_bundled_file_into_a_stock_pipelines_server(
    browser, stock_server, bundles, tmp_path_factory, request
):
    owui = OpenWebUIServer(
        tmp_path_factory.mktemp("owui-upload"),
        env={
            "ENABLE_OPENAI_API": "true",
            "OPENAI_API_BASE_URLS": stock_server.url,
            "OPENAI_API_KEYS": stock_server.api_key,
        },
    )
    context = None
    try:
        owui.start()
        context, ui = _page(browser, owui.url, request.node.name)
        page = ui.page
        page.goto(owui.url + "/admin/settings", wait_until="domcontentloaded")
        tab = page.locator("[role=tab][aria-controls=tab-admin-pipelines]")
        expect(tab).to_be_visible(timeout=SHORT * 2)
        ui.dismiss_changelog()
        tab.click()
        expect(page.locator("select#pipelines-url")).to_be_visible(timeout=SHORT)
        upload = page.locator("#tab-admin-pipelines").get_by_role(
            "button", name=re.compile(r"^\s*Upload\s*$")
        )
        expect(upload).to_be_visible(timeout=SHORT)
        chooser_button = upload.locator("xpath=preceding-sibling::button[1]")
        with page.expect_file_chooser() as chosen:
            chooser_button.click()
        chosen.value.set_files(str(bundles["pipelines"] / "code_pipeline.py"))
        expect(chooser_button).to_contain_text("1", timeout=SHORT)  # "1 pipeline(s) selected"
        ui.shot("file-chosen")
        upload.click()
        # The server pip-installs the pack from the bundle's wheels before it answers.
        pipelines = page.locator("select#pipeline")
        expect(pipelines.locator("option", has_text="code_pipeline")).to_have_count(
            1, timeout=LONG * 3
        )
        ui.shot("uploaded")
        assert stock_server.installed("alphaomega"), stock_server.log()

        ui.new_chat()
        ui.select_model(CODE_NAME)
        prompt = f"Write hello world in Go, please ({uuid.uuid4().hex[:6]})."
        text = ui.ask(prompt, expect_text=prompt)
        ui.shot("answered-by-the-stock-server")
        assert f"Simulated {CODE_MODEL}" in text
    finally:
        if context is not None:
            context.close()
        owui.stop()


@pytest.fixture
def functions_owui(e2e_dirs, ollama, bundles, tmp_path_factory) -> Iterator[OpenWebUIServer]:
    owui = OpenWebUIServer(
        tmp_path_factory.mktemp("owui-functions"), env={"ALPHAOMEGA_FLEET": ollama.url}
    )
    try:
        owui.start()
        done = subprocess.run(
            [sys.executable, "-m", "alphaomega", "install", "--openwebui", owui.url]
            + ["--api-key", owui.token, "--bundle", str(bundles["functions"])],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 0, done.stdout + done.stderr + owui.log()
        memory_dir = tmp_path_factory.mktemp("functions-memory")
        with owui.client() as client:
            path = "/api/v1/functions/id/alphaomega_memory/valves"
            valves = client.get(path).json() or {}
            valves.update(data_dir=str(memory_dir), embedder="local", budget_ms=10_000)
            client.post(path + "/update", json=valves).raise_for_status()
        yield owui
    finally:
        owui.stop()


def test_functions_installed_into_open_webui_stream_and_remember(
    browser, functions_owui, ollama, replies, request
):
    context, ui = _page(browser, functions_owui.url, request.node.name)
    try:
        ui.select_model(CODE_NAME)
        ui.shot("functions-code-model-picked")
        ollama.fault("slow_first_token", count=1, delay=6.0)
        prompt = "Write a Python function that adds two numbers."
        ui.start_recording()
        ui.send(prompt)
        reply = ui.last_reply()
        status = reply.locator('button[aria-label="Toggle status history"]').filter(
            has_text=re.compile(re.escape(CODE_MODEL))
        )
        expect(status).to_be_visible(timeout=LONG)
        ui.shot("functions-status-line")
        text = ui.wait_reply_done()
        assert f"You said: «{prompt}»" in text
        ui.shot("functions-answer")
        recorded = ui.recording()
        assert any(CODE_MODEL in s for s in recorded["statuses"]), recorded["statuses"]
        partial = [t for t in recorded["texts"] if t != text and text.startswith(t[:20])]
        assert partial, "the answer did not stream in pieces"

        fact = f"my daughter loves astronomy-{uuid.uuid4().hex[:6]}"
        ui.new_chat()
        ui.select_model(CODE_NAME)
        ui.ask(f"Please remember: {fact}.", expect_text=fact)
        listing = ""
        deadline = time.monotonic() + STORE_WAIT_S
        while fact.split("-")[-1] not in listing and time.monotonic() < deadline:
            ui.new_chat()
            ui.select_model(CODE_NAME)
            listing = ui.ask("/memories")
            if fact.split("-")[-1] not in listing:
                time.sleep(3)
        ui.shot("functions-memories-listed")
        assert fact.split("-")[-1] in listing, listing

        ui.new_chat()
        ui.select_model(CODE_NAME)
        question = "What does my daughter love?"
        answer = ui.ask(question)
        ui.shot("functions-fact-recalled")
        asked = [r for r in replies.requests() if r.prompt == question]
        assert asked, "the question never reached the model"
        system = " ".join(m["content"] for m in asked[-1].messages if m.get("role") == "system")
        assert fact.split("-")[-1] in system, "the memory did not reach the model"
        assert fact.split("-")[-1] in answer
    finally:
        context.close()
