"""Where traces go and how much may wait for them (no I/O beyond reading the environment).

Keys and address come from valves first, then the environment the Langfuse SDK itself reads:
``LANGFUSE_PUBLIC_KEY``, ``LANGFUSE_SECRET_KEY``, ``LANGFUSE_BASE_URL`` (``LANGFUSE_HOST`` is
accepted as the older name). Without both keys tracing is off and the filter passes through.

A secret goes only to the address it was given for: ``LANGFUSE_SECRET_KEY`` to the address of
the environment (``LANGFUSE_BASE_URL``, else Langfuse Cloud). With a ``host`` valve naming another
address, the secret has to be in the secret valve (typed in, or ``env:LANGFUSE_SECRET_KEY``), so
that whoever moves the address has to give the secret with it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

ENV_PUBLIC_KEY = "LANGFUSE_PUBLIC_KEY"
ENV_SECRET_KEY = "LANGFUSE_SECRET_KEY"
ENV_BASE_URL = "LANGFUSE_BASE_URL"
ENV_HOST = "LANGFUSE_HOST"
ENV_ENVIRONMENT = "LANGFUSE_TRACING_ENVIRONMENT"
# The SDK's own default, so a pack configured like any Langfuse client behaves like one.
DEFAULT_BASE_URL = "https://cloud.langfuse.com"
OTLP_TRACES_PATH = "/api/public/otel/v1/traces"


class ExportTuning(BaseModel):
    """How much is traced and how exports go: set in the filter's valves
    (:class:`~._settings.LangfuseSettings`, whose form shows these descriptions) and carried
    into each :class:`TracingConfig`."""

    # Decided per trace id, so a turn's inlet and outlet agree.
    sample_rate: float = Field(
        default=1.0, ge=0.0, le=1.0, description="Share of chat turns traced (0 to 1)."
    )
    flush_interval_s: float = Field(
        default=2.0, gt=0, description="Seconds between background exports to Langfuse."
    )
    max_buffer: int = Field(
        default=1000,
        ge=1,
        description="Turns that may wait for export; past it new turns are dropped (and "
        "counted in the log) instead of using more memory.",
    )
    # One export request, its retries included.
    export_timeout_s: float = Field(
        default=5.0, gt=0, description="An export to Langfuse gives up after this many seconds."
    )


class TracingConfig(ExportTuning):
    """Everything one :class:`~alphaomega.tracing._tracer.Tracer` needs; immutable."""

    model_config = ConfigDict(frozen=True)

    public_key: str = Field(description="Langfuse project public key (pk-lf-...)")
    secret_key: SecretStr = Field(description="Langfuse project secret key (sk-lf-...)")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="Langfuse address, no path")
    environment: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_-]{1,40}$",
        description="Langfuse environment (lowercase letters, digits, - and _; e.g. 'production')",
    )
    flush_at: int = Field(default=128, ge=1, description="Spans per export request")
    max_open_turns: int = Field(
        default=10_000, ge=1, description="Turns between inlet and outlet remembered at once"
    )
    open_turn_ttl_s: float = Field(
        default=1800.0, gt=0, description="An inlet without an outlet is forgotten after this"
    )
    max_message_chars: int = Field(
        default=4000, ge=100, description="Longer message texts are cut in traces"
    )
    max_messages: int = Field(
        default=20, ge=1, description="Only the last this many input messages are traced"
    )

    @field_validator("environment")
    @classmethod
    def _not_reserved(cls, value: str | None) -> str | None:
        if value is not None and value.startswith("langfuse"):
            raise ValueError("environments starting with 'langfuse' are reserved by Langfuse")
        return value

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + OTLP_TRACES_PATH

    def identity(self) -> tuple[object, ...]:
        """What makes two configs the same exporter; the secret enters only as a digest."""
        digest = hashlib.sha256(self.secret_key.get_secret_value().encode()).hexdigest()
        return (*self.model_dump(exclude={"secret_key"}).values(), digest)


def resolve_config(
    *,
    public_key: str = "",
    secret_key: str | None = None,
    base_url: str = "",
    environ: Mapping[str, str] | None = None,
    **tuning: object,
) -> TracingConfig | None:
    """Merge valve values over the environment; ``None`` when a key is missing.

    ``secret_key`` is the already-resolved secret (see :mod:`._secrets`); ``None`` or empty
    falls back to ``LANGFUSE_SECRET_KEY`` if the address is the environment's own. ``tuning``
    takes any other field of :class:`TracingConfig`; ``None`` values keep the defaults.
    """
    env = os.environ if environ is None else environ
    public = public_key.strip() or env.get(ENV_PUBLIC_KEY, "").strip()
    url = base_url.strip() or environment_address(env)
    secret = (secret_key or "").strip()
    if not secret and environment_secret_goes_to(url, env):
        secret = env.get(ENV_SECRET_KEY, "").strip()
    if not public or not secret:
        return None
    extra = {name: value for name, value in tuning.items() if value is not None}
    if "environment" not in extra and env.get(ENV_ENVIRONMENT):
        extra["environment"] = env[ENV_ENVIRONMENT]
    return TracingConfig(
        public_key=public, secret_key=SecretStr(secret), base_url=url.rstrip("/"), **extra
    )


def environment_address(environ: Mapping[str, str] | None = None) -> str:
    """Where the environment sends traces: ``LANGFUSE_BASE_URL``, the older ``LANGFUSE_HOST``,
    else Langfuse Cloud."""
    env = os.environ if environ is None else environ
    return env.get(ENV_BASE_URL, "").strip() or env.get(ENV_HOST, "").strip() or DEFAULT_BASE_URL


def environment_secret_goes_to(url: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``LANGFUSE_SECRET_KEY`` may be sent to ``url``: only to the environment's own."""
    return url.strip().rstrip("/") == environment_address(environ).rstrip("/")


def missing_keys_message(public_key: str = "", has_secret: bool = False, base_url: str = "") -> str:
    """The one log line a pass-through filter writes, naming what is missing."""
    missing = []
    if not (public_key.strip() or os.environ.get(ENV_PUBLIC_KEY)):
        missing.append(f"public key (valve or {ENV_PUBLIC_KEY})")
    url = base_url.strip() or environment_address()
    if not has_secret and os.environ.get(ENV_SECRET_KEY) and not environment_secret_goes_to(url):
        missing.append(
            f"secret key for {url} ({ENV_SECRET_KEY} goes only to {environment_address()}; "
            f"put the secret, or env:{ENV_SECRET_KEY}, into the secret valve)"
        )
    elif not (has_secret or os.environ.get(ENV_SECRET_KEY)):
        missing.append(f"secret key (valve or {ENV_SECRET_KEY})")
    what = " and ".join(missing) or "keys"
    return f"Langfuse tracing is off: no {what}; chats pass through untraced"
