"""A fact told in one chat comes back in a new chat, and ``/memories`` lists it."""

from __future__ import annotations

import time
import uuid

import pytest
from e2e_pack import CODE_NAME, require_filter, require_model

pytestmark = pytest.mark.e2e

STORE_WAIT_S = 90  # storing runs in the background after the answer (first use loads the embedder)


def test_a_fact_from_one_chat_is_recalled_in_a_new_chat_and_listed(ui, pack, replies):
    require_model(pack, CODE_NAME)
    require_filter(pack, "memory")
    colour = f"teal-{uuid.uuid4().hex[:6]}"

    ui.select_model(CODE_NAME)
    ui.ask(f"Please remember: my favourite colour is {colour}.", expect_text=colour)
    ui.shot("fact-told")

    listing = ""
    deadline = time.monotonic() + STORE_WAIT_S
    while colour not in listing and time.monotonic() < deadline:
        ui.new_chat()
        ui.select_model(CODE_NAME)
        listing = ui.ask("/memories")
        if colour not in listing:
            time.sleep(3)
    ui.shot("memories-listed")
    assert colour in listing, f"/memories never listed the fact; last answer: {listing!r}"

    ui.new_chat()
    ui.select_model(CODE_NAME)
    question = "What is my favourite colour?"
    answer = ui.ask(question, expect_text=colour)
    ui.shot("fact-recalled")
    assert colour in answer
    asked = [r for r in replies.requests() if r.prompt == question]
    assert asked, "the question never reached the model"
    system = " ".join(m["content"] for m in asked[-1].messages if m.get("role") == "system")
    assert colour in system, "the memory did not reach the model through the system prompt"
