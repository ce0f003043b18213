"""Text work of the simulator that needs no I/O: tokens, replies, embeddings, Go-style values."""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import random
import re
import time
from collections.abc import Iterator
from typing import Any

try:
    import numpy as _np
except ImportError:  # the simulator runs without it too, slower
    _np = None

from alphaomega.testing._sim_models import SimRequest

_TOKEN = re.compile(r"\s*\S+")
_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def split_tokens(text: str) -> list[str]:
    """Word-sized tokens, each with its leading space, so that ''.join(tokens) == text."""
    tokens = _TOKEN.findall(text)
    rest = text[sum(map(len, tokens)) :]
    if rest:
        if tokens:
            tokens[-1] += rest
        else:
            tokens = [rest]
    return tokens


def count_words(text: str) -> int:
    return len(text.split())


def tool_answer(messages: list[dict[str, Any]]) -> str | None:
    """After a tool's result (the last message), the answer that uses it."""
    if not messages or messages[-1].get("role") != "tool":
        return None
    last = messages[-1]
    name = f"The tool {last['tool_name']}" if last.get("tool_name") else "The tool"
    return f"{name} returned: {last.get('content') or ''}"


def default_reply(request: SimRequest) -> str:
    """A deterministic, echo-like answer that names the model; after a tool's result, one
    that uses it."""
    used = tool_answer(request.messages)
    if used is not None:
        return f"Simulated {request.model} reply. {used}"
    words = request.prompt.split()
    echo = " ".join(words[-40:]) if words else "(nothing)"
    seen = f" and {request.images} image(s)" if request.images else ""
    return f"Simulated {request.model} reply. You said{seen}: {echo}"


def embed_vector(text: str, dims: int) -> list[float]:
    """A unit vector that depends only on the text.

    Each word adds signed spikes at positions taken from its hash, on top of small noise
    seeded by the whole text, so texts that share words point in similar directions and
    different texts never collide. With numpy, the same vector at a fifth of the CPU (a real
    Ollama spends its time on the GPU, not in its HTTP layer).
    """
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    seed = int.from_bytes(digest, "big")
    if _np is not None:
        return _embed_vector_numpy(text, seed, dims)
    rng = random.Random(seed)
    vec = [rng.gauss(0.0, 0.15) for _ in range(dims)]
    for index, sign in _spikes(text, dims):
        vec[index] += sign
    return normalize(vec)


def _spikes(text: str, dims: int) -> Iterator[tuple[int, float]]:
    for word in text.lower().split():
        spikes = hashlib.blake2b(word.encode(), digest_size=16).digest()
        for i in range(0, 16, 4):
            yield (
                int.from_bytes(spikes[i : i + 3], "big") % dims,
                (1.0 if spikes[i + 3] & 1 else -1.0),
            )


def _embed_vector_numpy(text: str, seed: int, dims: int) -> list[float]:
    # The Mersenne Twister stream random.Random(seed) draws from, and the Box-Muller pairs
    # random.gauss makes of it (cached second values included).
    words = max((seed.bit_length() + 31) // 32, 1)
    twister = _np.random.RandomState(
        _np.array([(seed >> (32 * i)) & 0xFFFFFFFF for i in range(words)], dtype=_np.uint32)
    )
    uniform = twister.random_sample(dims + (dims & 1))
    angle = uniform[0::2] * (2 * math.pi)
    radius = _np.sqrt(-2.0 * _np.log(1.0 - uniform[1::2]))
    vec = _np.empty(dims + (dims & 1))
    vec[0::2], vec[1::2] = _np.cos(angle) * radius * 0.15, _np.sin(angle) * radius * 0.15
    vec = vec[:dims]
    for index, sign in _spikes(text, dims):
        vec[index] += sign
    norm = float(_np.sqrt(_np.dot(vec, vec))) or 1.0
    return _np.round(vec / norm, 9).tolist()


def normalize(vec: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [round(v / norm, 9) for v in vec]


def go_time(epoch_ns: int | None = None) -> str:
    """A UTC timestamp as Go's encoding/json writes time.Time (RFC 3339, up to 9 digits)."""
    ns = time.time_ns() if epoch_ns is None else epoch_ns
    seconds, frac = divmod(ns, 10**9)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def context_ids(count: int) -> list[int]:
    """Stand-in token ids for the deprecated 'context' field of /api/generate."""
    return [(i * 2654435761) % 32000 + 1 for i in range(count)]


def parse_keep_alive(value: Any) -> float | None:
    """Ollama's keep_alive: seconds as a number, or a Go duration string ('5m', '1h30m').

    Returns simulated seconds; None means forever (negative values).
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("keep_alive must be a number or a duration string")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        sign = -1.0 if text.startswith("-") else 1.0
        text = text.lstrip("+-")
        try:
            seconds = sign * float(text)  # a bare number in a string counts as seconds
        except ValueError:
            parts = _GO_DURATION.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(f'time: invalid duration "{value}"') from None
            seconds = sign * sum(float(n) * _GO_UNITS[u] for n, u in parts)
    return None if seconds < 0 else seconds


def check_base64(data: Any) -> str | None:
    """Go's error text for an image that is not standard base64, or None when it is fine."""
    if not isinstance(data, str):
        return "json: cannot unmarshal images into Go struct field of type []uint8"
    raw = data.encode()
    for position, byte in enumerate(raw):
        if byte not in _B64_ALPHABET:
            return f"illegal base64 data at input byte {position}"
    try:
        base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return f"illegal base64 data at input byte {max(len(raw) - 1, 0)}"
    return None


def content_text(content: Any) -> str:
    """The text of a message content that is a string or OpenAI-style parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""
