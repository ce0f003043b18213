"""The pack's one exception hierarchy.

Every failure of a backend is translated into one of these, here and nowhere else, so a
plugin needs a single ``except AlphaOmegaError`` to turn any of them into chat text::

    AlphaOmegaError                     every error the pack raises on purpose
    ├── ConfigError                     a setting (env, valve, file) that cannot be used
    ├── InputError                      a request the pack cannot serve as sent (bad image, ...)
    └── BackendError                    a backend failed; ``.url`` names which one
        ├── BackendUnavailable          nothing answered: refused, DNS, connect timeout
        ├── BackendTimeout              it answered, then went quiet past the read timeout
        ├── BackendProtocolError        it answered something that is not its protocol
        ├── BackendStatusError          it answered with an HTTP error; ``.status``
        │   ├── ModelNotFound           the model is not on that backend; ``.model``, ``.available``
        │   └── FeatureUnsupported      the model cannot do what was asked (tools, thinking, ...)
        └── StreamInterrupted           a reply that had begun was cut; ``.partial`` holds what came
            └── ReplyStalled            ... because the backend sent nothing for too long

Each carries ``user_message()``: one or two sentences a person can act on, shown in the chat.
"""

from __future__ import annotations

import httpx

__all__ = [
    "AlphaOmegaError",
    "BackendError",
    "BackendProtocolError",
    "BackendStatusError",
    "BackendTimeout",
    "BackendUnavailable",
    "ConfigError",
    "InputError",
    "FeatureUnsupported",
    "ModelNotFound",
    "ReplyStalled",
    "StreamInterrupted",
    "translate_httpx_error",
]


class AlphaOmegaError(Exception):
    """Base of every error the pack raises on purpose."""

    def user_message(self) -> str:
        return str(self)


class ConfigError(AlphaOmegaError):
    """A setting that cannot be used as given."""


class InputError(AlphaOmegaError):
    """The request cannot be served as sent; the text says what to change."""


class BackendError(AlphaOmegaError):
    """A backend failed."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class BackendUnavailable(BackendError):
    def user_message(self) -> str:
        return (
            f"The backend at {self.url} is not reachable ({self.args[0]}). "
            "Check that it is running and that the pack's fleet setting points at it."
        )


class BackendTimeout(BackendError):
    def user_message(self) -> str:
        return f"The backend at {self.url} stopped answering ({self.args[0]})."


class BackendProtocolError(BackendError):
    def user_message(self) -> str:
        return f"The backend at {self.url} sent a reply the pack cannot read: {self.args[0]}"


class BackendStatusError(BackendError):
    def __init__(self, message: str, *, url: str = "", status: int = 0) -> None:
        super().__init__(message, url=url)
        self.status = status

    def user_message(self) -> str:
        return f"The backend at {self.url} answered HTTP {self.status}: {self.args[0]}"


class ModelNotFound(BackendStatusError):
    def __init__(self, model: str, *, url: str = "", available: list[str] | None = None) -> None:
        super().__init__(f"model {model!r} not found", url=url, status=404)
        self.model = model
        self.available = list(available or [])

    def user_message(self) -> str:
        where = f" on {self.url}" if self.url else ""
        have = ", ".join(self.available) if self.available else "none"
        return (
            f"The model `{self.model}` is not installed{where}. Models there: {have}. "
            f"Install it with: `ollama pull {self.model}`"
        )


class FeatureUnsupported(BackendStatusError):
    """The backend refused a feature for this model (Ollama: ``... does not support tools``)."""

    HINTS = {
        "tools": "Pick a model that can call tools (e.g. qwen2.5-coder, llama3.1, qwen3), or "
        "set Function Calling to 'Default' for this model in Open WebUI's chat controls.",
        "thinking": "Turn the model's 'think' valve off, or pick a reasoning model "
        "(e.g. qwen3, deepseek-r1, gpt-oss).",
    }

    def __init__(self, message: str, *, url: str = "", model: str = "", feature: str = "") -> None:
        super().__init__(message, url=url, status=400)
        self.model = model
        self.feature = feature

    def user_message(self) -> str:
        what = {"tools": "call tools", "thinking": "think (reasoning)"}.get(
            self.feature, f"do this ({self.feature})"
        )
        hint = self.HINTS.get(self.feature, "")
        return f"The model `{self.model}` cannot {what}: {self.args[0]}. {hint}".strip()


class StreamInterrupted(BackendError):
    def __init__(self, message: str, *, url: str = "", partial: str = "") -> None:
        super().__init__(message, url=url)
        self.partial = partial

    def user_message(self) -> str:
        return f"The reply was cut off: the backend at {self.url} stopped mid-way ({self.args[0]})."


class ReplyStalled(StreamInterrupted):
    """Mid-reply, the backend sent nothing for ``seconds``: the pack stopped waiting."""

    def __init__(self, model: str, seconds: float) -> None:
        super().__init__(f"no token for {seconds:g} s")
        self.model = model
        self.seconds = seconds

    def user_message(self) -> str:
        return (
            f"The reply was cut off: the backend serving {self.model} stopped answering "
            f"(nothing for {self.seconds:g} s)."
        )


class PullFailed(BackendError):
    """Ollama's ``/api/pull`` of a model ended with an error (its own text)."""

    def __init__(self, model: str, message: str, *, url: str = "") -> None:
        super().__init__(message, url=url)
        self.model = model

    def user_message(self) -> str:
        return f"Pulling {self.model} on {self.url} failed: {self.args[0]}"


def translate_httpx_error(exc: Exception, url: str) -> BackendError:
    """Map an httpx transport error onto the hierarchy; the one place that knows httpx's."""
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return BackendUnavailable(f"connect timed out: {exc.__class__.__name__}", url=url)
    if isinstance(exc, httpx.TimeoutException):
        return BackendTimeout(
            f"no data within the read timeout ({exc.__class__.__name__})", url=url
        )
    if isinstance(exc, httpx.ConnectError):
        return BackendUnavailable(_reason(exc) or "connection refused", url=url)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return StreamInterrupted(_reason(exc) or "connection closed", url=url)
    if isinstance(exc, httpx.HTTPError):
        return BackendProtocolError(_reason(exc) or exc.__class__.__name__, url=url)
    return BackendProtocolError(f"{exc.__class__.__name__}: {exc}", url=url)


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
