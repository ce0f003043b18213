"""Upload file names, read as the stock upload route (Starlette's form parser) reads them."""

import asyncio

import pytest
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartParser

from alphaomega.host._multipart import MalformedUpload, unsafe_filename, upload_filenames

BOUNDARY = "----held-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(disposition: str, content: bytes = b"x = 1\n") -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )


def body_of(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def starlette_filenames(content_type: str, body: bytes) -> list[str]:
    """What the stock route's ``UploadFile.filename`` would be, for each file part."""

    async def stream():
        yield body

    async def parse():
        form = await MultiPartParser(Headers({"content-type": content_type}), stream()).parse()
        names = [v.filename for _, v in form.multi_items() if isinstance(v, UploadFile)]
        await form.close()
        return names

    return asyncio.run(parse())


@pytest.mark.parametrize(
    "disposition",
    [
        'form-data; name="file"; filename="plain.py"',
        'form-data; name="file"; filename="../../up.py"',
        'form-data; name="file"; filename="C:\\\\Users\\\\me\\\\win.py"',
        'form-data; name="file"; filename="\\\\\\\\share\\\\unc.py"',
        'form-data; name="file"; filename="quo\\"ted.py"',
        'form-data; name="file"; filename="safe.py"; filename*=UTF-8\'\'..%2Fstar.py',
        'form-data; name="file"; filename="été/ß.py"',
        'form-data; name="file"; filename=""',
    ],
)
def test_the_names_read_are_the_names_the_route_gets(disposition):
    body = body_of(part(disposition))
    assert upload_filenames(CONTENT_TYPE.encode(), body) == starlette_filenames(CONTENT_TYPE, body)


def test_every_file_part_is_read_and_plain_fields_are_not():
    body = body_of(
        part('form-data; name="note"', b"hello"),
        part('form-data; name="file"; filename="first.py"'),
        part('form-data; name="file"; filename="../second.py"'),
    )
    assert upload_filenames(CONTENT_TYPE.encode(), body) == ["first.py", "../second.py"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (b"application/json", b"{}"),
        (b"multipart/form-data", body_of(part('form-data; name="file"; filename="a.py"'))),
        (CONTENT_TYPE.encode(), b"--" + BOUNDARY.encode() + b"\r\nno headers end"),
    ],
)
def test_a_body_the_route_could_not_read_is_malformed(content_type, body):
    with pytest.raises(MalformedUpload):
        upload_filenames(content_type, body)


@pytest.mark.parametrize("name", ["plain.py", "with space.py", "ünïcode.py", "a.b.py", "x_y.py"])
def test_plain_names_are_safe(name):
    assert unsafe_filename(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../a.py",
        "a/b.py",
        "a\\b.py",
        "/etc/a.py",
        "D:a.py",
        "..",
        ".py",
        ".a.py",
        "a.txt",
        "a.py\x00.txt",
        "a..py",
    ],
)
def test_names_that_leave_the_folder_or_are_no_plugin_are_unsafe(name):
    assert unsafe_filename(name)
