"""The planner test equipment answers from the pixels of the image it received."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image, ImageDraw

from alphaomega.testing._sim_models import SimRequest
from alphaomega.testing.screen_planner import ScreenPlanner, find_colour

GREEN, PINK = (0, 160, 60), (200, 0, 160)


def screen(with_done: bool = False) -> str:
    image = Image.new("RGB", (400, 300), (30, 30, 30))
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 50, 179, 89), fill=GREEN)
    if with_done:
        draw.rectangle((10, 200, 200, 230), fill=PINK)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return base64.b64encode(out.getvalue()).decode()


def request(prompt: str, image_b64: str, openai: bool = False) -> SimRequest:
    if openai:
        content = [
            {"type": "text", "text": prompt},
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + image_b64}},
        ]
        body = {"messages": [{"role": "user", "content": content}]}
    else:
        body = {"messages": [{"role": "user", "content": prompt, "images": [image_b64]}]}
    return SimRequest(endpoint="/api/chat", model="m", prompt=prompt, body=body, images=1)


def test_it_clicks_the_centre_of_the_named_widget_in_either_protocol():
    planner = ScreenPlanner({"Submit": GREEN}, done=PINK)
    for openai in (False, True):
        answer = json.loads(
            planner(request("Task: click Submit\nSteps so far:\n", screen(), openai))
        )
        assert answer["action"] == "click" and answer["target"] == "Submit"
        assert abs(answer["x"] - 139.5) <= 2 and abs(answer["y"] - 69.5) <= 2


def test_it_says_done_when_the_screen_shows_it_and_fails_on_what_it_cannot_find():
    planner = ScreenPlanner({"Submit": GREEN, "Cancel": (230, 120, 0)}, done=PINK)
    done = json.loads(planner(request("Task: click Submit", screen(with_done=True))))
    assert done["action"] == "done"
    missing = json.loads(planner(request("Task: click Cancel", screen())))
    assert missing["action"] == "fail"
    assert "Submit" in planner(request("What's on my screen?", screen()))
    assert find_colour(Image.new("RGB", (50, 50)), GREEN) is None
