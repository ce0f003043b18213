import httpx
import pytest

from alphaomega.errors import (
    AlphaOmegaError,
    BackendProtocolError,
    BackendTimeout,
    BackendUnavailable,
    ModelNotFound,
    StreamInterrupted,
    translate_httpx_error,
)

URL = "http://gpu0:11434"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectError("refused"), BackendUnavailable),
        (httpx.ConnectTimeout("slow"), BackendUnavailable),
        (httpx.ReadTimeout("quiet"), BackendTimeout),
        (httpx.RemoteProtocolError("peer closed"), StreamInterrupted),
        (httpx.DecodingError("bad gzip"), BackendProtocolError),
        (ValueError("odd"), BackendProtocolError),
    ],
)
def test_translation_keeps_the_url(exc, expected):
    translated = translate_httpx_error(exc, URL)
    assert isinstance(translated, expected)
    assert isinstance(translated, AlphaOmegaError)
    assert translated.url == URL
    assert URL in translated.user_message()


def test_model_not_found_says_what_exists_and_how_to_pull():
    text = ModelNotFound("codellama:13b", url=URL, available=["llama3.1:8b"]).user_message()
    assert "codellama:13b" in text and "llama3.1:8b" in text
    assert "ollama pull codellama:13b" in text
