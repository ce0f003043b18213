"""Admin Settings → Pipelines: a valve changed in the page steers the next answer, and survives a
restart of ``alphaomega serve``."""

from __future__ import annotations

import re
import uuid

import pytest
from e2e_pack import CODE_NAME, admin_label, find_pipeline, require_model
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_system_prompt_valve_set_in_the_admin_panel_is_followed_and_kept(ui, pack):
    require_model(pack, CODE_NAME)
    code = find_pipeline(pack, "code", "manifold")
    assert code, "the Code manifold is not in /pipelines"
    code_id, pipeline_label = code["id"], re.compile(f"^{re.escape(admin_label(code))}$")
    instruction = f"Answer like a pirate, ticket {uuid.uuid4().hex[:8]}."

    valves = ui.open_admin_pipelines(pack.url, pipeline_label)
    field = ui.valve_input(valves, "System Prompt")
    field.fill(instruction)
    ui.shot("valve-edited")
    ui.save_valves()
    ui.shot("valve-saved")
    stored = pack.client.get(f"/{code_id}/valves", headers=pack.auth).json()
    assert stored["system_prompt"] == instruction

    ui.new_chat()
    ui.select_model(CODE_NAME)
    ui.ask("Say hello.", expect_text=f"My instructions say: «{instruction}")
    ui.shot("answer-follows-valve")

    pack.restart()

    valves = ui.open_admin_pipelines(pack.url, pipeline_label)
    expect(ui.valve_input(valves, "System Prompt")).to_have_value(instruction)
    ui.shot("valve-kept-after-restart")
    ui.new_chat()
    ui.select_model(CODE_NAME)
    ui.ask("Say hello again.", expect_text=f"My instructions say: «{instruction}")
    ui.shot("answer-after-restart")
