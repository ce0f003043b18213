"""Dependency noise kept out of a default start: libraries' notices and Python warnings go to
DEBUG, so ``--log-level debug`` still shows every one of them.

What a person reads at the default level is then the pack's own lines and real problems
(WARNING and above from anyone); a library's INFO chatter (mem0 creating indexes, Qdrant,
httpx), spaCy's, fastembed's and python-dotenv's notices, and deprecation warnings raised inside
dependencies (the stock server's pydantic ones) are not problems of the person's setup.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

NOISY = (
    "mem0",
    "qdrant_client",
    "httpx",
    "httpcore",
    "urllib3",
    "spacy",
    "fastembed",
    "dotenv",
    "sentence_transformers",
    "transformers",
    "huggingface_hub",
    "filelock",
    "multipart",
)
NOTICES_ONLY = ("dotenv", "spacy", "fastembed")  # their WARNINGs are notices, not problems
deps_log = logging.getLogger("alphaomega.deps")


def quiet_dependencies(level: int | None = None) -> bool:
    """Quiet the dependencies when the root level is above DEBUG; True when it did."""
    level = logging.getLogger().getEffectiveLevel() if level is None else level
    if level <= logging.DEBUG:
        return False
    for name in NOISY:
        floor = logging.ERROR if name in NOTICES_ONLY else logging.WARNING
        logging.getLogger(name).setLevel(max(floor, level))
    warnings.showwarning = _warning_to_debug
    return True


def _warning_to_debug(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    if "/alphaomega/" in filename.replace("\\", "/"):  # the pack's own: a problem of ours
        logging.getLogger("py.warnings").warning("%s:%s: %s", filename, lineno, message)
        return
    deps_log.debug("%s:%s: %s: %s", filename, lineno, category.__name__, message)
