"""One chat answered by a real model: Open WebUI → Pipelines → the fleet's llama.cpp instance,
serving SmolLM2-135M on the CPU."""

from __future__ import annotations

import pytest
from e2e_pack import SMOLLM_ALIAS, SMOLLM_NAME, find_pipeline, require_model, update_valves

pytestmark = pytest.mark.e2e

ERROR_MARKERS = ("Internal Server Error", "unreachable", "not reachable", "ollama pull")


def test_smollm2_on_llama_cpp_answers_in_the_browser(ui, pack, llama, replies):
    if not llama.url:
        pytest.skip(llama.reason)
    code = find_pipeline(pack, "code", "manifold")
    assert code, "the Code manifold is not in /pipelines"
    code_id = code["id"]
    listed = pack.client.get(f"/{code_id}/valves", headers=pack.auth).json()["models"]
    if isinstance(listed, str):  # as the admin page's text field holds a list
        listed = [name.strip() for name in listed.split(",") if name.strip()]
    if SMOLLM_ALIAS not in listed:
        update_valves(pack, code_id, models=[*listed, SMOLLM_ALIAS])
    require_model(pack, SMOLLM_NAME)

    ui.new_chat()
    ui.select_model(SMOLLM_NAME)
    asked_before = len(replies.requests())
    log_before = llama.process.log_path.read_text(errors="replace").count("/v1/chat/completions")
    text = ui.ask("What is the capital of France? Answer in one short sentence.")
    ui.shot("real-model-answer")

    assert text.strip(), "the real model's answer is empty"
    assert not any(marker in text for marker in ERROR_MARKERS), text
    assert len(replies.requests()) == asked_before, "the simulator answered, not the real model"
    log_after = llama.process.log_path.read_text(errors="replace").count("/v1/chat/completions")
    assert log_after > log_before, "llama.cpp's server saw no chat request"
