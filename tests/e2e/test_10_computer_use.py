"""Computer use in the browser: Screen describes the desktop with a thumbnail, Agent-S clicks
Submit in a real Tk window on Xvfb, through Open WebUI → Pipelines → the agent host."""

from __future__ import annotations

import json

import pytest
from e2e_pack import VISION_MODEL, find_pipeline, require_model, unavailable, update_valves

pytestmark = pytest.mark.e2e

SCREEN_NAME = "AlphaOmega · Screen"
AGENT_NAME = "AlphaOmega · Agent-S"


@pytest.fixture
def desktop(agent_desktop, tmp_path):
    if not agent_desktop.env:
        unavailable(agent_desktop.reason)  # a skip here, a failure under CI
    from alphaomega.testing.desktop import TargetWindow

    with TargetWindow(agent_desktop.display, tmp_path / "window.jsonl") as window:
        yield window


@pytest.fixture
def screen_reader(ollama, replies):
    """The simulator's vision model answers from the screenshot it got (by the widgets'
    colours); everything else is answered as the rest of the suite expects."""
    from alphaomega.testing.desktop import COLOURS
    from alphaomega.testing.screen_planner import ScreenPlanner

    planner = ScreenPlanner(
        {name: COLOURS[name] for name in ("Submit", "Cancel", "field")},
        done=COLOURS["label_submitted"],
    )

    def reply(request):
        if request.images and "screen" in str(request.body).lower():
            return planner(request)
        return replies(request)

    ollama.set_reply(reply)
    yield planner
    ollama.set_reply(replies)


def test_whats_on_my_screen_shows_a_description_and_a_thumbnail(ui, pack, desktop, screen_reader):
    require_model(pack, SCREEN_NAME)
    screen = find_pipeline(pack, "screen", "manifold")
    update_valves(pack, screen["id"], model=VISION_MODEL)
    ui.select_model(SCREEN_NAME)
    text = ui.ask("What's on my screen?", expect_text="shows a window with")
    ui.shot("screen-described")
    assert "Submit, Cancel, field" in text
    thumbnail = ui.last_reply().locator("img[src^='data:image/jpeg']")
    assert thumbnail.count() >= 1
    assert thumbnail.first.evaluate("img => img.naturalWidth") == 320


def test_click_the_submit_button_clicks_the_real_window(
    ui, pack, agent_desktop, desktop, screen_reader
):
    require_model(pack, AGENT_NAME)
    agent = find_pipeline(pack, "agent", "manifold")
    update_valves(pack, agent["id"], model=VISION_MODEL, mode="confirm", settle_s=1.0)
    ui.new_chat()
    ui.select_model(AGENT_NAME)
    text = ui.ask("Click the Submit button", expect_text="Done after")
    ui.shot("agent-clicked")
    assert "Step 1/8: ✓ click 'Submit' at (" in text
    clicks = desktop.wait_for(1)
    assert [c["button"] for c in clicks] == ["Submit"]
    last = json.loads(agent_desktop.host.audit_path.read_text().splitlines()[-1])
    assert last["allowed"] is True and "pyautogui.click(" in last["action"]
