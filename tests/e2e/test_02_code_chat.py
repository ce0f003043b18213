"""Picking "AlphaOmega · Code", asking, and watching the answer stream in under a status line."""

from __future__ import annotations

import re

import pytest
from e2e_owui import LONG
from e2e_pack import CODE_MODEL, CODE_NAME, require_model
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_code_model_streams_its_answer_after_a_status_line(ui, pack, ollama, replies):
    require_model(pack, CODE_NAME)
    ui.select_model(CODE_NAME)
    ui.shot("code-model-picked")
    # The first token keeps the person waiting (simulated seconds): the pack says why meanwhile.
    ollama.fault("slow_first_token", count=1, delay=6.0)
    prompt = "Write a Python function that reverses a string, with a docstring please."
    ui.start_recording()
    ui.send(prompt)

    reply = ui.last_reply()
    status = reply.locator('button[aria-label="Toggle status history"]').filter(
        has_text=re.compile(re.escape(CODE_MODEL))
    )
    expect(status).to_be_visible(timeout=LONG)
    ui.shot("status-line")
    content = reply.locator("#response-content-container")
    expect(content).to_contain_text(f"You said: «{prompt}»", timeout=LONG)
    text = ui.wait_reply_done()
    expect(status).to_be_hidden()
    ui.shot("answer")

    recorded = ui.recording()
    shown_statuses = [s for s in recorded["statuses"] if CODE_MODEL in s]
    assert shown_statuses, f"no status naming {CODE_MODEL}: {recorded['statuses']}"
    partial = [t for t in recorded["texts"] if t != text and text.startswith(t[:20])]
    assert len(partial) >= 2, f"the answer did not stream in pieces: {recorded['texts'][:5]}"
    assert f"Simulated {CODE_MODEL}" in text
    assert prompt in replies.prompts()
