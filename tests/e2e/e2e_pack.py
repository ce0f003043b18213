"""What the pack offers, asked the way Open WebUI asks the Pipelines server (HTTP, no browser)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

API_KEY = "e2e-pipelines-key-not-secret"
ADMIN_NAME = "E2E Admin"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "e2e-Password-1"
SMOLLM_ALIAS = "smollm2-135m"
CODE_MODEL = "qwen2.5-coder:7b"
VISION_MODEL = "llava:34b"
CODE_NAME = f"AlphaOmega · Code · {CODE_MODEL}"
VISION_NAME = f"AlphaOmega · Vision · {VISION_MODEL}"
SMOLLM_NAME = f"AlphaOmega · Code · {SMOLLM_ALIAS}"


REFUSED_MARK = "alphaomega.host._gate: refused "  # the pack's front door, one line a request


def refused_since(log_path: Path, offset: int) -> list[str]:
    """The requests the pack's front door refused (no valid key) after ``offset`` in its log."""
    with open(log_path, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
    return [line for line in text.splitlines() if REFUSED_MARK in line]


def pipeline_ids(server: Any) -> dict[str, dict[str, Any]]:
    """The Pipelines server's plugins by id (``/pipelines``, the list Open WebUI's admin shows)."""
    response = server.client.get("/pipelines", headers=server.auth)
    response.raise_for_status()
    return {entry["id"]: entry for entry in response.json()["data"]}


def find_pipeline(server: Any, name_part: str, kind: str) -> dict[str, Any] | None:
    """The plugin of ``kind`` whose name (its file's module name) contains ``name_part``.

    Its ``id`` addresses its valves; the admin page lists it as "<name> (<type>)"."""
    for entry in pipeline_ids(server).values():
        if entry.get("type") == kind and name_part.lower() in str(entry.get("name", "")).lower():
            return entry
    return None


def admin_label(entry: dict[str, Any]) -> str:
    return f"{entry['name']} ({entry['type']})"


def update_valves(server: Any, pipeline_id: str, **changes: Any) -> dict[str, Any]:
    """What the admin panel does: read every valve, change some, send the whole set back."""
    current = server.client.get(f"/{pipeline_id}/valves", headers=server.auth)
    current.raise_for_status()
    valves = {**current.json(), **changes}
    response = server.client.post(f"/{pipeline_id}/valves/update", json=valves, headers=server.auth)
    response.raise_for_status()
    return valves


def pack_models(pack: Any) -> dict[str, str]:
    """Model id -> display name, as the pack lists them to Open WebUI."""
    return {m["id"]: m.get("name", m["id"]) for m in pack.models()}


def unavailable(message: str) -> NoReturn:
    """Skip on a developer's machine; fail under CI (``CI`` set, as .ci/run sets it), where a
    skip would hide a broken install or a pack that lost a model or filter."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_model(pack: Any, display_name: str) -> str:
    """The id of the pack's model shown as ``display_name``; skip (fail under CI) without it."""
    models = pack_models(pack)
    for model_id, name in models.items():
        if name == display_name:
            return model_id
    unavailable(f"the pack does not list {display_name!r} (it lists {sorted(models.values())})")


def require_filter(pack: Any, name_part: str) -> str:
    """The id of the pack's filter named with ``name_part``; skip (fail under CI) without it."""
    entry = find_pipeline(pack, name_part, "filter")
    if entry is None:
        unavailable(f"the pack loads no {name_part} filter")
    return entry["id"]


def onboarding_pending(owui_url: str) -> bool:
    """Open WebUI answers ``onboarding: true`` while it has no user at all."""
    return bool(httpx.get(owui_url + "/api/config", timeout=10).json().get("onboarding"))
