"""One chat answered by a real model: Open WebUI → Pipelines → the fleet's llama.cpp instance,
serving SmolLM2-135M on the CPU."""

from __future__ import annotations

import logging

import pytest
from e2e_pack import SMOLLM_ALIAS, SMOLLM_NAME, find_pipeline, require_model, update_valves

pytestmark = pytest.mark.e2e

log = logging.getLogger("e2e")

ERROR_MARKERS = ("Internal Server Error", "unreachable", "not reachable", "ollama pull")
# A 135M model sampling at the default temperature may end its reply at once; a person would ask
# again, and so does the test (under test is the path, not the model's wit). Every attempt is
# logged and screenshotted.
ATTEMPTS = 3


def test_smollm2_on_llama_cpp_answers_in_the_browser(ui, pack, llama, replies):
    if not llama.url:
        pytest.skip(llama.reason)
    code = find_pipeline(pack, "code", "manifold")
    assert code, "the Code manifold is not in /pipelines"
    listed = pack.client.get(f"/{code['id']}/valves", headers=pack.auth).json()["models"]
    if isinstance(listed, str):  # as the admin page's text field holds a list
        listed = [name.strip() for name in listed.split(",") if name.strip()]
    update_valves(
        pack,
        code["id"],
        models=sorted({*listed, SMOLLM_ALIAS}),
        system_prompt="You are a helpful assistant. Answer in one short sentence.",
    )
    require_model(pack, SMOLLM_NAME)

    asked_before = len(replies.requests())
    requests_before = llama.process.log_path.read_text(errors="replace").count(
        "/v1/chat/completions"
    )
    text = ""
    for attempt in range(1, ATTEMPTS + 1):
        ui.new_chat()
        ui.select_model(SMOLLM_NAME)
        text = ui.ask("What is the capital of France?")
        ui.shot(f"real-model-answer-{attempt}")
        log.info("SmolLM2 answer %d: %r", attempt, text)
        if text.strip():
            break

    assert text.strip(), f"the real model's answer was empty {ATTEMPTS} times"
    assert not any(marker in text for marker in ERROR_MARKERS), text
    assert len(replies.requests()) == asked_before, "the simulator answered, not the real model"
    requests_after = llama.process.log_path.read_text(errors="replace").count(
        "/v1/chat/completions"
    )
    assert requests_after > requests_before, "llama.cpp's server saw no chat request"
