"""
title: AlphaOmega · Langfuse tracing
author: AlphaOmega
version: 0.1.0
license: MIT
description: One Langfuse trace per chat turn (usage, latency, verdicts), exported in background.
"""

from pydantic import BaseModel, Field, model_validator

from alphaomega import host
from alphaomega.tracing import SecretStore, TracingHooks, absorb_secret, resolve_secret
from alphaomega.tracing.config import ENV_SECRET_KEY
from alphaomega.valve_guard import address_valve, secret_valve

# The secret key lives in its own 0600 file next to this plugin's valves.json, never in a valve.
SECRET_KEY_STORE = SecretStore.beside(__file__, "langfuse_secret_key")


class Pipeline:
    class Valves(BaseModel):
        pipelines: list[str] = Field(
            default=["*"], description="Model ids this filter applies to; ['*'] for every model."
        )
        priority: int = Field(
            default=1000,
            description="Lower runs first. 1000 makes this filter run last on inlet, after the "
            "pack's safety, routing and memory filters, so a trace holds the redacted text, the "
            "injected memories and the routing decision the model really got; on outlet it also "
            "runs last and records the reply as the user sees it.",
        )
        public_key: str | None = Field(
            default=None,
            description="Langfuse project public key (pk-lf-...). Empty: LANGFUSE_PUBLIC_KEY.",
        )
        secret_key: str | None = Field(
            default=None,
            description="Langfuse secret key (sk-lf-...), write-only: once saved it is moved to a "
            "file readable only by the server and this field shows ••••<last 4>. Leave the mask "
            "to keep it; 'env:NAME' reads it from that environment variable (LANGFUSE_SECRET_KEY "
            "or one named ALPHAOMEGA_SECRET_<anything>); empty uses LANGFUSE_SECRET_KEY. It is "
            "only sent to the host it was saved with: type it again when you change the host.",
            json_schema_extra=secret_valve(own_env=[ENV_SECRET_KEY]),
        )
        host: str | None = Field(
            default=None,
            description="Langfuse address, e.g. http://langfuse:3000. Empty: LANGFUSE_BASE_URL "
            "or LANGFUSE_HOST, else Langfuse Cloud. The keys are sent there: a new host needs "
            "the secret key again in the same update.",
            json_schema_extra=address_valve(sends_secret="secret_key"),
        )
        environment: str | None = Field(
            default=None,
            description="Langfuse environment of the traces (lowercase letters, digits, - and _). "
            "Empty: LANGFUSE_TRACING_ENVIRONMENT or 'default'.",
        )
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
        export_timeout_s: float = Field(
            default=5.0, gt=0, description="An export to Langfuse gives up after this many seconds."
        )

        @model_validator(mode="after")
        def _keep_secret_out_of_valves(self):
            # After the fields, so that a clear secret is stored with the host it is for;
            # only when given (as a field validator would), so that Valves() clears nothing.
            if "secret_key" not in self.model_fields_set:
                return self
            self.secret_key = (
                absorb_secret(
                    self.secret_key or "",
                    SECRET_KEY_STORE,
                    address=self.host or "",
                    own_env_names=[ENV_SECRET_KEY],
                )
                or None
            )
            return self

    def __init__(self):
        self.type = "filter"
        self.id = "alphaomega_langfuse"
        self.name = "AlphaOmega · Langfuse tracing"
        self.valves = self.Valves()
        self.tracing = TracingHooks()
        host.attach(self)

    async def on_startup(self):
        self._configure()

    async def on_valves_updated(self):
        self._configure()

    async def on_shutdown(self):
        await self.tracing.aclose()

    async def inlet(self, body: dict, user: dict | None = None) -> dict:
        if not self.tracing.configured:
            self._configure()
        return self.tracing.inlet(body, user)

    async def outlet(self, body: dict, user: dict | None = None) -> dict:
        if not self.tracing.configured:
            self._configure()
        return self.tracing.outlet(body, user)

    def _configure(self) -> None:
        valves = self.valves
        self.tracing.configure(
            public_key=valves.public_key or "",
            secret_key=resolve_secret(
                valves.secret_key or "",
                SECRET_KEY_STORE,
                address=valves.host or "",
                own_env_names=[ENV_SECRET_KEY],
            ),
            base_url=valves.host or "",
            environment=valves.environment or None,
            sample_rate=valves.sample_rate,
            flush_interval_s=valves.flush_interval_s,
            max_buffer=valves.max_buffer,
            export_timeout_s=valves.export_timeout_s,
        )
