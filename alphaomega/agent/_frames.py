"""Screenshots for a vision model (the Vision model's preprocessing) and for people (thumbnail)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image

from ..vision import ImageLimits, prepare_image
from ._client import Screenshot


@dataclass(frozen=True)
class Frame:
    """A screenshot as the model sees it: base64 JPEG, its size, and the real screen's size."""

    jpeg_b64: str
    width: int
    height: int
    screen_width: int
    screen_height: int
    image: bytes  # what the host sent (Agent-S reads the screenshot itself)

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        """A point of the image the model saw, on the real screen."""
        return (
            int(round(x * self.screen_width / self.width)),
            int(round(y * self.screen_height / self.height)),
        )


def frame_of(shot: Screenshot, limits: ImageLimits) -> Frame:
    """Blocking (decode, shrink, encode): call it in a thread."""
    jpeg_b64 = prepare_image(shot.data, limits)
    with Image.open(io.BytesIO(base64.b64decode(jpeg_b64))) as image:
        width, height = image.size
    return Frame(jpeg_b64, width, height, shot.screen_width, shot.screen_height, shot.data)


def thumbnail_markdown(shot: Screenshot, width: int) -> str:
    """A small JPEG of the screen as a markdown image (a data URL), or '' when width is 0."""
    if width <= 0:
        return ""
    with Image.open(io.BytesIO(shot.data)) as image:
        image = image.convert("RGB")
        height = max(1, round(image.height * width / image.width))
        small = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=70, optimize=True)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return f"![Screen {shot.screen_width}×{shot.screen_height}](data:image/jpeg;base64,{data})"
