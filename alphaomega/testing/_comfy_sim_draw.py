"""The ComfyUI simulator's pictures: real PNGs drawn with Pillow from the prompt and the seed.

Deterministic: the same graph gives the same pixels. Like ComfyUI's SaveImage, each PNG carries
the graph it came from as the ``prompt`` text chunk, so a test reads back the seed, size and
prompt that reached the "GPU". An img2img input shows through in proportion to ``1 - denoise``.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, PngImagePlugin


@dataclass(frozen=True)
class Picture:
    prompt: str
    seed: int
    width: int
    height: int
    batch: int
    denoise: float = 1.0
    source: bytes | None = None  # the img2img input


def draw(picture: Picture, index: int, graph: dict[str, Any]) -> bytes:
    rng = random.Random(f"{picture.seed}:{index}:{picture.prompt}")
    digest = hashlib.sha256(f"{picture.seed}:{index}".encode()).digest()
    background = tuple(int(b) for b in digest[:3])
    size = (picture.width, picture.height)
    image = Image.new("RGB", size, background)
    pen = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = rng.randrange(picture.width), rng.randrange(picture.height)
        radius = rng.randrange(8, max(9, min(size) // 4))
        colour = tuple(rng.randrange(256) for _ in range(3))
        pen.ellipse((x0 - radius, y0 - radius, x0 + radius, y0 + radius), fill=colour)
    pen.text((8, 8), f"{picture.prompt[:60]}  seed {picture.seed}", fill=(255, 255, 255))
    if picture.source is not None:
        with Image.open(io.BytesIO(picture.source)) as source:
            base = source.convert("RGB").resize(size)
        image = Image.blend(base, image, max(0.0, min(1.0, picture.denoise)))
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(graph))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, compress_level=1)
    return out.getvalue()


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size
