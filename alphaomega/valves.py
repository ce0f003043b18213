"""Valve presets: a JSON file of ``{plugin id: {valve: value}}`` applied to a running server.

The server's ``valves/update`` replaces the whole model (missing fields fall back to their
defaults), so a preset is merged into each plugin's current values before it is sent. The
pack's server asks every route for its API key, so each request carries it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from .errors import BackendStatusError, ConfigError, translate_httpx_error


def load_preset(path: Path) -> dict[str, dict[str, Any]]:
    try:
        preset = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the preset {path}: {exc}") from exc
    if not isinstance(preset, dict):
        raise ConfigError(f"{path}: a preset maps plugin ids to objects of valve values")
    preset = {k: v for k, v in preset.items() if not k.startswith("$")}
    if not all(isinstance(v, dict) for v in preset.values()):
        raise ConfigError(f"{path}: a preset maps plugin ids to objects of valve values")
    return preset


def apply_preset(url: str, preset: dict[str, dict[str, Any]], api_key: str) -> dict[str, list[str]]:
    """Merge and send each plugin's valves; returns the valve names changed per plugin."""
    changed: dict[str, list[str]] = {}
    auth = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url.rstrip("/"), timeout=30, headers=auth) as client:
        for plugin_id, values in preset.items():
            try:
                current = client.get(f"/{plugin_id}/valves")
                _raise_for(current, url, plugin_id)
                merged = {**current.json(), **values}
                updated = client.post(f"/{plugin_id}/valves/update", json=merged)
                _raise_for(updated, url, plugin_id)
            except httpx.HTTPError as exc:
                raise translate_httpx_error(exc, url) from exc
            changed[plugin_id] = sorted(values)
    return changed


def find_api_key(given: str | None, data_dir: Path) -> str:
    """The key given (option or ``PIPELINES_API_KEY``), else the one ``alphaomega serve`` keeps
    in its data dir."""
    from .serve import KEY_FILE

    if given and given.strip():
        return given.strip()
    try:
        return (data_dir / KEY_FILE).read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"no API key: pass --api-key, set PIPELINES_API_KEY, or point --data-dir at the "
            f"server's data folder (no {KEY_FILE} in {data_dir})"
        ) from exc


def _raise_for(response: httpx.Response, url: str, plugin_id: str) -> None:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", "")
        except ValueError:
            detail = response.text[:200]
        raise BackendStatusError(f"{plugin_id}: {detail}", url=url, status=response.status_code)
