"""Preparing images for a vision model (no network I/O).

Open WebUI sends images as OpenAI ``image_url`` content parts, mostly ``data:`` URLs. Before
they go to Ollama as base64 ``images`` they are decoded safely (size and pixel limits first),
turned upright by their EXIF orientation, flattened onto white when they have alpha, fitted
within a bounding box, and re-encoded as JPEG.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel, Field

from ..errors import InputError

DATA_URL_PREFIX = "data:"


class ImageLimits(BaseModel):
    max_width: int = Field(default=1280, ge=16, description="Images are shrunk to fit this width")
    max_height: int = Field(default=720, ge=16, description="...and this height")
    jpeg_quality: int = Field(default=85, ge=10, le=100, description="JPEG quality sent")
    max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, description="Largest encoded image")
    max_pixels: int = Field(default=50_000_000, ge=10_000, description="Largest decoded image")


def decode_data_url(url: str, limits: ImageLimits) -> bytes:
    """The bytes of a ``data:image/...;base64,`` URL, refusing oversize ones before decoding."""
    header, sep, payload = url.partition(",")
    if not sep or not header.startswith(DATA_URL_PREFIX):
        raise InputError("The attached image is not a data URL the pack can read.")
    if ";base64" not in header:
        raise InputError("The attached image is not base64-encoded.")
    if len(payload) * 3 // 4 > limits.max_bytes:
        raise InputError(too_large_message(len(payload) * 3 // 4, limits))
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InputError("The attached image is not valid base64.") from exc


def too_large_message(size: int, limits: ImageLimits) -> str:
    return (
        f"The attached image is too large ({size / 1_048_576:.1f} MB); "
        f"the limit is {limits.max_bytes / 1_048_576:.0f} MB."
    )


def prepare_image(data: bytes, limits: ImageLimits) -> str:
    """Image bytes to the base64 JPEG sent to the model; ``InputError`` says what is wrong."""
    if len(data) > limits.max_bytes:
        raise InputError(too_large_message(len(data), limits))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_pixels:
                raise InputError(
                    f"The attached image has {width}×{height} pixels, more than the "
                    f"{limits.max_pixels:,} allowed: it looks like a decompression bomb."
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(
            "The attached image decodes to far more pixels than its size suggests "
            "(a decompression bomb); it was not opened."
        ) from exc
    except UnidentifiedImageError as exc:
        raise InputError("The attached file is not an image the pack can read.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"The attached image is damaged: {exc}") from exc
    image = ImageOps.exif_transpose(image)
    image = flatten(image)
    image.thumbnail((limits.max_width, limits.max_height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=limits.jpeg_quality, optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def flatten(image: Image.Image) -> Image.Image:
    """An RGB image; transparency is composited onto white (models see no alpha)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
