"""``alphaomega install``: a functions bundle into Open WebUI 0.12.4 through its API.

Each model and filter becomes a Function (``/api/v1/functions/create``, or ``/id/{id}/update``
when it exists), switched on (``/id/{id}/toggle``); filters are made global
(``/id/{id}/toggle/global``) so they act on every model, as in the Pipelines server. Each tool
becomes a workspace Tool (``/api/v1/tools/create`` or ``/id/{id}/update``). The key is an
admin's API key or session token, sent as ``Authorization: Bearer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..errors import BackendStatusError, ConfigError, translate_httpx_error
from ._bundle import read_manifest
from ._plugins import parse_frontmatter

# Open WebUI runs the frontmatter's pip install before it answers a create or an update.
INSTALL_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Installed:
    file: str
    id: str
    kind: str  # function or tool
    action: str  # created or updated
    active: bool
    is_global: bool = False


class OpenWebUIClient:
    """The few admin routes of Open WebUI's API that install plugins."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url.rstrip("/")
        auth = {"Authorization": f"Bearer {api_key}"}
        self._client = httpx.Client(base_url=self.url, headers=auth, timeout=INSTALL_TIMEOUT_S)

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise translate_httpx_error(exc, self.url) from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", "")
            except ValueError:
                detail = response.text[:300]
            raise BackendStatusError(f"{path}: {detail}", url=self.url, status=response.status_code)
        return response.json() if response.content else None

    def find(self, kind: str, plugin_id: str) -> dict[str, Any] | None:
        """The plugin, or None. Open WebUI 0.12.4 answers an unknown id with 401 and "We could
        not find what you're looking for", so both codes are read with their text."""
        try:
            return self.request("GET", f"/api/v1/{kind}s/id/{plugin_id}")
        except BackendStatusError as exc:
            said = str(exc).lower()
            if exc.status == 404 or (exc.status == 401 and "could not find" in said):
                return None
            raise

    def valves(self, kind: str, plugin_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/{kind}s/id/{plugin_id}/valves") or {}

    def update_valves(self, kind: str, plugin_id: str, values: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", f"/api/v1/{kind}s/id/{plugin_id}/valves/update", json=values)


def install(url: str, api_key: str, folder: Path) -> list[Installed]:
    """Create or update every Function and Tool of the bundle in ``folder``; enable them."""
    manifest = read_manifest(folder)
    if manifest.get("target") != "functions":
        raise ConfigError(
            f"{folder} is a {manifest.get('target')} bundle; install takes a functions bundle "
            "(`alphaomega bundle --target functions`)"
        )
    client = OpenWebUIClient(url, api_key)
    try:
        return [_install_one(client, folder, entry) for entry in manifest["files"]]
    finally:
        client.close()


def _install_one(client: OpenWebUIClient, folder: Path, entry: dict[str, Any]) -> Installed:
    kind = "tool" if entry["kind"] == "tool" else "function"
    content = (folder / entry["file"]).read_text("utf-8")
    meta = parse_frontmatter(content)
    form = {
        "id": entry["id"],
        "name": entry["name"],
        "content": content,
        "meta": {"description": meta.get("description", ""), "manifest": meta},
    }
    existing = client.find(kind, entry["id"])
    if existing is None:
        saved = client.request("POST", f"/api/v1/{kind}s/create", json=form)
        action = "created"
    else:
        saved = client.request("POST", f"/api/v1/{kind}s/id/{entry['id']}/update", json=form)
        action = "updated"
    if kind == "tool":
        return Installed(entry["file"], entry["id"], kind, action, active=True)
    if not (saved or {}).get("is_active"):
        saved = client.request("POST", f"/api/v1/functions/id/{entry['id']}/toggle")
    is_global = bool((saved or {}).get("is_global"))
    if entry["type"] == "filter" and not is_global:
        saved = client.request("POST", f"/api/v1/functions/id/{entry['id']}/toggle/global")
        is_global = bool((saved or {}).get("is_global"))
    active = bool((client.find(kind, entry["id"]) or {}).get("is_active"))
    return Installed(entry["file"], entry["id"], kind, action, active, is_global)


def apply_preset(url: str, api_key: str, preset: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """A valves preset merged into the Functions' (or Tools') current valves in Open WebUI,
    which, like the Pipelines server, stores whatever one update sends as the whole set."""
    client = OpenWebUIClient(url, api_key)
    changed: dict[str, list[str]] = {}
    try:
        for plugin_id, values in preset.items():
            kind = "function" if client.find("function", plugin_id) is not None else "tool"
            if kind == "tool" and client.find("tool", plugin_id) is None:
                raise ConfigError(f"{plugin_id} is neither a Function nor a Tool in {url}")
            current = client.valves(kind, plugin_id)
            client.update_valves(kind, plugin_id, {**current, **values})
            changed[plugin_id] = sorted(values)
    finally:
        client.close()
    return changed
