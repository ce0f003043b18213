"""The Langfuse filter's settings; the plugin's Valves are this model.

The secret key is write-only (see :mod:`._secrets`): when given, it leaves the valve during
validation for the plugin's :class:`~._secrets.SecretStore`, named by the plugin's Valves as
``secret_store`` (the file sits beside the plugin's ``valves.json``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field, model_validator

from ..valve_guard import address_valve, secret_valve
from ._config import ENV_SECRET_KEY, ExportTuning
from ._secrets import SecretStore, absorb_secret, resolve_secret


class _LangfuseAddress(BaseModel):
    """Where the filter sits and where traces go: first on the admin form."""

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


# The tuning comes after the address: pydantic orders inherited fields from the last base on.
class LangfuseSettings(ExportTuning, _LangfuseAddress):
    """The Langfuse filter's valves. A plugin sets ``secret_store``; without one a secret key
    typed into the valve is refused rather than kept in clear."""

    secret_store: ClassVar[SecretStore | None] = None

    @model_validator(mode="after")
    def _keep_secret_out_of_valves(self) -> LangfuseSettings:
        # After the fields, so that a clear secret is stored with the host it is for;
        # only when given (as a field validator would), so that Valves() clears nothing.
        if "secret_key" not in self.model_fields_set:
            return self
        store = type(self).secret_store
        if store is None:
            if (self.secret_key or "").strip():
                raise ValueError("these settings have no secret store to keep the secret key in")
            self.secret_key = None
            return self
        self.secret_key = (
            absorb_secret(
                self.secret_key or "",
                store,
                address=self.host or "",
                own_env_names=[ENV_SECRET_KEY],
            )
            or None
        )
        return self

    def tracing_options(self) -> dict[str, Any]:
        """What :meth:`~.hooks.TracingHooks.configure` takes, the secret resolved for the host."""
        store = type(self).secret_store
        address = self.host or ""
        secret = (
            resolve_secret(
                self.secret_key or "", store, address=address, own_env_names=[ENV_SECRET_KEY]
            )
            if store is not None
            else None
        )
        return {
            "public_key": self.public_key or "",
            "secret_key": secret,
            "base_url": address,
            "environment": self.environment or None,
            **self.model_dump(include=set(ExportTuning.model_fields)),
        }
