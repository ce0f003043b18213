"""A person picks "AlphaOmega · Image · sdxl", asks for a picture, watches the render's progress
line and then sees the picture in the page; after a reload of the page it is still there."""

from __future__ import annotations

import re

import pytest
from e2e_image import IMAGE_NAME
from e2e_owui import LONG
from e2e_pack import require_model
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# Open WebUI serves the picture it stored from the answer as one of the chat's files.
PICTURE = '#messages-container [role=listitem] img[src^="/api/v1/files/"]'


def rendered_pictures(ui) -> list[dict]:
    """The pictures of the last reply that the browser really decoded (natural size > 0); the
    model's avatar is an image too, but not a file of the chat."""
    return (
        ui.last_reply()
        .locator('img[src^="/api/v1/files/"]')
        .evaluate_all(
            "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0)"
            ".map(i => ({src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight}))"
        )
    )


def wait_decoded(ui) -> None:
    ui.page.wait_for_function(
        f"() => [...document.querySelectorAll('{PICTURE}')]"
        ".some(i => i.complete && i.naturalWidth > 0)",
        timeout=LONG,
    )


def test_image_model_shows_progress_then_the_picture_which_survives_a_reload(ui, pack, comfyui):
    require_model(pack, IMAGE_NAME)
    ui.select_model(IMAGE_NAME)
    ui.shot("image-model-picked")
    ui.start_recording()
    ui.send("a lighthouse at dusk, oil painting --ar 16:9 --seed 7")

    reply = ui.last_reply()
    progress = reply.locator('button[aria-label="Toggle status history"]').filter(
        has_text=re.compile(r"Sampling \d+/25 on gpu2")
    )
    expect(progress).to_be_visible(timeout=LONG)
    ui.shot("progress-line")
    text = ui.wait_reply_done()
    assert "seed 7" in text and "1344×768" in text, text
    expect(ui.page.locator(PICTURE).first).to_be_visible(timeout=LONG)
    wait_decoded(ui)
    pictures = rendered_pictures(ui)
    ui.shot("picture")
    assert [(p["w"], p["h"]) for p in pictures] == [(1344, 768)], pictures
    # Stored by Open WebUI as a file of the chat: the message text holds no base64.
    assert "base64" not in text
    statuses = [s for s in ui.recording()["statuses"] if s.startswith("Sampling")]
    assert statuses, ui.recording()["statuses"]
    assert comfyui.records() and comfyui.records()[-1].status == "success"

    ui.page.reload(wait_until="domcontentloaded")
    ui.wait_chat_ready()
    expect(ui.page.locator(PICTURE).first).to_be_visible(timeout=LONG)
    wait_decoded(ui)
    ui.shot("after-reload")
    after = rendered_pictures(ui)
    assert [p["src"] for p in after] == [p["src"] for p in pictures]
    assert "seed 7" in ui.last_reply().locator("#response-content-container").inner_text()
