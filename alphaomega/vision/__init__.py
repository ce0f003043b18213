"""Vision: images from Open WebUI's content parts, prepared for a vision model."""

from ._images import ImageLimits, decode_data_url, prepare_image
from ._model import ImageHeight, ImageWidth, VisionModel, VisionSettings

__all__ = [
    "ImageHeight",
    "ImageLimits",
    "ImageWidth",
    "VisionModel",
    "VisionSettings",
    "decode_data_url",
    "prepare_image",
]
