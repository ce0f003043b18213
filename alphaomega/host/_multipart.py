"""The file names a plugin upload carries, read the way the stock upload route will read them.

The stock route joins the multipart ``filename`` onto its plugin folder as given, so the front
door looks at the same names first. It parses with the same library and the same decoding
Starlette uses for ``UploadFile.filename``: what it judges is exactly what the route would write.
"""

from __future__ import annotations

import codecs
import re

try:  # the package's import name since 0.0.13; before, it was ``multipart``
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header
except ImportError:  # pragma: no cover - older python-multipart
    from multipart.exceptions import FormParserError  # type: ignore[no-redef]
    from multipart.multipart import (  # type: ignore[no-redef]
        MultipartParser,
        parse_options_header,
    )

FORM_DATA = b"multipart/form-data"
_DRIVE = re.compile(r"^[A-Za-z]:")


class MalformedUpload(ValueError):
    """The body is not multipart/form-data the stock route could read."""


def upload_filenames(content_type: bytes, body: bytes) -> list[str]:
    """Every ``filename`` in the body's parts, decoded as Starlette decodes it."""
    kind, params = parse_options_header(content_type)
    if kind != FORM_DATA or b"boundary" not in params:
        raise MalformedUpload("a plugin is uploaded as multipart/form-data")
    charset = _charset(params.get(b"charset", b"utf-8"))
    names: list[str] = []
    header = {"name": b"", "value": b"", "disposition": b""}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        if header["name"].lower() == b"content-disposition":
            header["disposition"] = header["value"]
        header["name"] = header["value"] = b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(header["disposition"])
        if b"filename" in options:
            names.append(_decode(options[b"filename"], charset))
        header["disposition"] = b""

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise MalformedUpload("the upload is not readable multipart/form-data") from exc
    return names


def unsafe_filename(name: str) -> str | None:
    """Why the route must not write a plugin under ``name``; None when it is a plain file name."""
    if not name:
        return "the uploaded file has no name"
    if "/" in name or "\\" in name or "\x00" in name:
        return "a plugin's file name has no folders in it"
    if ".." in name or name.startswith(".") or _DRIVE.match(name):
        return "a plugin's file name is a plain name in the plugin folder"
    if not name.endswith(".py") or name == ".py":
        return "a plugin is a .py file"
    return None


def _charset(value: bytes | str) -> str:
    name = value.decode("latin-1") if isinstance(value, bytes) else value
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "latin-1"


def _decode(raw: bytes, charset: str) -> str:
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("latin-1")
