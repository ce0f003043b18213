"""Vision: images from Open WebUI's content parts, prepared for a vision model."""

from .images import ImageLimits, decode_data_url, prepare_image
from .model import VisionModel

__all__ = ["ImageLimits", "VisionModel", "decode_data_url", "prepare_image"]
