"""The Vision model's reply path up to the backend, with a fleet that keeps what it was sent."""

import base64
import io

from PIL import Image

from alphaomega import chat
from alphaomega.fleet import ChatDelta, ChatRequest
from alphaomega.vision import ImageLimits, VisionModel


class RecordingFleet:
    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []

    def is_loaded(self, model: str) -> bool:
        return True

    async def chat(self, request: ChatRequest, affinity: str | None = None):
        self.requests.append(request)
        yield ChatDelta(content="a red square")
        yield ChatDelta(done=True, done_reason="stop")


def png_url() -> str:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# What Open WebUI 0.12.4 puts before the person's words when a file is attached.
ATTACHED = (
    "<attached_files>\n"
    '<file type="image" id="7f3c" url="/api/v1/files/7f3c/content" content_type="image/png" '
    'name="square.png"/>\n'
    "</attached_files>\n\n"
)


async def reply(fleet: RecordingFleet, content) -> str:
    model = VisionModel(fleet=fleet)
    messages = [{"role": "user", "content": content}]
    events = model.events({}, "llava:34b", messages, limits=ImageLimits())
    return "".join([e.text async for e in events if isinstance(e, chat.Text)])


async def test_the_file_markup_is_stripped_and_the_image_kept():
    fleet = RecordingFleet()
    content = [
        {"type": "text", "text": ATTACHED + "What colour is it?"},
        {"type": "image_url", "image_url": {"url": png_url()}},
    ]
    assert await reply(fleet, content) == "a red square"
    sent = fleet.requests[0].messages[-1]
    assert sent.content == "What colour is it?"
    assert sent.images and len(sent.images) == 1


async def test_an_image_url_given_as_a_string_says_what_the_field_must_be():
    fleet = RecordingFleet()
    content = [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": png_url()},
    ]
    text = await reply(fleet, content)
    assert '{"type": "image_url", "image_url": {"url": "..."}}' in text
    assert "has no attribute" not in text
    assert fleet.requests == []
