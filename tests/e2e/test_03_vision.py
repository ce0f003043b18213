"""A person attaches a picture to a Vision model and gets an answer about that picture."""

from __future__ import annotations

import pytest
from e2e_pack import VISION_NAME, require_model
from PIL import Image

pytestmark = pytest.mark.e2e


def test_vision_model_answers_about_an_attached_png(ui, pack, replies, tmp_path):
    require_model(pack, VISION_NAME)
    picture = tmp_path / "red-card.png"
    Image.new("RGB", (320, 200), (220, 20, 20)).save(picture)

    ui.select_model(VISION_NAME)
    ui.attach(picture)
    ui.shot("png-attached")
    # The simulator decodes the bytes it was sent: size and colour prove the picture arrived.
    text = ui.ask("What is on this picture?", expect_text="I see 1 image(s)")
    ui.shot("answer")
    assert "320x200 picture, mostly red" in text
    asked = [r for r in replies.requests() if r.prompt.endswith("What is on this picture?")]
    assert asked and asked[-1].images == 1
