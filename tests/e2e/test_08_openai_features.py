"""Open WebUI's own features on the pack's models: a workspace Tool called natively by
AlphaOmega · Code, and a reasoning model's thoughts in Open WebUI's reasoning block."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from e2e_owui import LONG, SHORT
from e2e_pack import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CODE_MODEL,
    CODE_NAME,
    VISION_MODEL,
    VISION_NAME,
    require_model,
    update_valves,
)
from PIL import Image
from playwright.sync_api import expect

from alphaomega.testing.ollama_sim import model_from_spec

pytestmark = pytest.mark.e2e

THINKER = "qwen3:8b"
THINKER_NAME = f"AlphaOmega · Code · {THINKER}"
TOOL_SOURCE = '''"""
title: Secret words
"""


class Tools:
    def get_secret_word(self, city: str) -> str:
        """
        The secret word of a city.
        :param city: the name of the city
        """
        return f"the secret word of {city} is PAPRIKA-{len(city)}"
'''


def admin_api(owui: str) -> httpx.Client:
    """Open WebUI's API as the admin the ``ui`` fixture signed up."""
    signin = httpx.post(
        owui + "/api/v1/auths/signin",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=30,
    )
    signin.raise_for_status()
    token = signin.json()["token"]
    return httpx.Client(base_url=owui, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_workspace_tool_is_called_natively_by_the_code_model(ui, owui, pack, replies):
    model_id = require_model(pack, CODE_NAME)
    tool_id = f"secret_words_{uuid.uuid4().hex[:6]}"
    with admin_api(owui) as api:
        created = api.post(
            "/api/v1/tools/create",
            json={
                "id": tool_id,
                "name": "Secret words",
                "content": TOOL_SOURCE,
                "meta": {"description": "The secret word of a city", "manifest": {}},
            },
        )
        assert created.status_code == 200, created.text
        # The model's settings in the workspace turn the tool on for its chats.
        attached = api.post(
            "/api/v1/models/create",
            json={
                "id": model_id,
                "name": CODE_NAME,
                "meta": {"toolIds": [tool_id]},
                "params": {},
            },
        )
        assert attached.status_code == 200, attached.text
        try:
            ui.new_chat()
            ui.select_model(CODE_NAME)
            ui.shot("code-model-with-tool")
            text = ui.ask("Please call get_secret_word for city=Oslo", expect_text="PAPRIKA-4")
            ui.shot("tool-result-in-answer")
        finally:
            api.post("/api/v1/models/model/delete", json={"id": model_id})
    assert "the secret word of Oslo is PAPRIKA-4" in text
    answered = [r for r in replies.requests() if r.model == CODE_MODEL and r.tools]
    assert answered, "the tool's spec never reached the model"
    assert any(m.get("role") == "tool" for r in answered for m in r.messages)


def test_a_reasoning_models_thoughts_show_as_open_webuis_reasoning_block(ui, pack, ollama):
    thinker = model_from_spec(f"{THINKER}=5GB").model_copy(update={"thinking": True, "tools": True})
    ollama.add_model(thinker)
    valves = update_valves(pack, "alphaomega_code")  # as they are, to put them back
    update_valves(pack, "alphaomega_code", models=[*valves["models"], THINKER], think=True)
    try:
        ui.new_chat()
        ui.select_model(THINKER_NAME)
        prompt = "Why is the sky blue on a clear day?"
        ui.send(prompt)
        reply = ui.last_reply()
        content = reply.locator("#response-content-container")
        expect(content).to_contain_text(f"You said: «{prompt}»", timeout=LONG)
        ui.wait_reply_done()
        ui.shot("answer-with-thoughts-folded")
        block = reply.get_by_text(re.compile(r"Thought for|Thinking", re.IGNORECASE)).first
        expect(block).to_be_visible(timeout=SHORT)
        answer_only = content.inner_text()
        block.click()
        expect(reply.get_by_text("Let me think about Why is the sky blue")).to_be_visible(
            timeout=SHORT
        )
        ui.shot("thoughts-unfolded")
    finally:
        update_valves(pack, "alphaomega_code", models=valves["models"], think=valves["think"])
    assert "Let me think" not in answer_only.split("Simulated", 1)[-1]


def test_a_model_without_tools_answers_when_open_webui_offers_its_own(ui, pack, tmp_path):
    # A chat with a file: Open WebUI offers its built-in file tools to the model, natively.
    require_model(pack, VISION_NAME)
    picture = tmp_path / "blue-card.png"
    Image.new("RGB", (200, 100), (20, 20, 220)).save(picture)
    ui.select_model(VISION_NAME)
    ui.attach(picture)
    text = ui.ask("Describe this picture", expect_text="I see 1 image(s)")
    assert "200x100 picture, mostly blue" in text
    status = ui.last_reply().locator('button[aria-label="Toggle status history"]')
    expect(status).to_contain_text(f"{VISION_MODEL} cannot call tools", timeout=SHORT)
    ui.shot("answered-without-tools")
