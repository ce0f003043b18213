"""Image preparation on real PNG and JPEG files made here."""

import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from alphaomega.errors import InputError
from alphaomega.vision._images import ImageLimits, decode_data_url, prepare_image

LIMITS = ImageLimits()


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def decoded(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def data_url(data: bytes, mime="image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def test_large_png_is_fitted_within_the_box_as_jpeg():
    png = encode(Image.new("RGB", (4000, 1000), (10, 200, 30)), "PNG")
    out = decoded(prepare_image(png, LIMITS))
    assert out.format == "JPEG"
    assert out.size == (1280, 320)
    assert out.getpixel((640, 160))[1] > 150


def test_small_image_is_not_enlarged():
    out = decoded(prepare_image(encode(Image.new("RGB", (64, 48), "red"), "PNG"), LIMITS))
    assert out.size == (64, 48)


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (200, 100), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    jpeg = encode(image, "JPEG", exif=exif.tobytes())
    assert decoded(prepare_image(jpeg, LIMITS)).size == (100, 200)


def test_alpha_is_flattened_onto_white():
    image = Image.new("RGBA", (20, 20), (255, 0, 0, 0))
    out = decoded(prepare_image(encode(image, "PNG"), LIMITS)).convert("RGB")
    assert out.getpixel((10, 10)) == (255, 255, 255)


def test_quality_valve_changes_the_bytes():
    noisy = Image.effect_noise((300, 300), 80).convert("RGB")
    png = encode(noisy, "PNG")
    low = prepare_image(png, ImageLimits(jpeg_quality=20))
    high = prepare_image(png, ImageLimits(jpeg_quality=95))
    assert len(low) < len(high)


def test_not_an_image():
    with pytest.raises(InputError, match="not an image"):
        prepare_image(b"%PDF-1.7 this is a pdf", LIMITS)


def test_too_large_in_bytes():
    png = encode(Image.effect_noise((600, 600), 90).convert("RGB"), "PNG")
    with pytest.raises(InputError, match="too large"):
        prepare_image(png, ImageLimits(max_bytes=len(png) - 1))
    with pytest.raises(InputError, match="too large"):
        decode_data_url(data_url(png), ImageLimits(max_bytes=1024))


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge greyscale image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [30_000, 60_000])
def test_decompression_bomb_is_refused_without_decoding(side):
    bomb = bomb_png(side, side)
    assert len(bomb) < 200_000
    with pytest.raises(InputError, match="decompression bomb"):
        prepare_image(bomb, LIMITS)


def test_damaged_image():
    png = encode(Image.new("RGB", (300, 300), "white"), "PNG")
    with pytest.raises(InputError, match="damaged"):
        prepare_image(png[: len(png) // 2], LIMITS)


def test_data_url_forms():
    png = encode(Image.new("RGB", (8, 8)), "PNG")
    assert decode_data_url(data_url(png), LIMITS) == png
    with pytest.raises(InputError):
        decode_data_url("https://example.org/cat.png", LIMITS)
    with pytest.raises(InputError, match="base64"):
        decode_data_url("data:image/png,rawbytes", LIMITS)
