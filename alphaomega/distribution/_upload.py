"""``alphaomega upload``: bundled files into a running Pipelines server, each checked loaded.

It posts each file to ``/pipelines/upload`` as Open WebUI's admin panel does (multipart, the
file's name, the server's key). The server answers 200 even when the file then fails to load
(it moves it to ``failed/``), so afterwards ``/pipelines`` is read: a plugin that is listed with
its valves loaded; one listed without valves is the bundle's stand-in (the pack could not be
imported there); one not listed failed to load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..errors import BackendStatusError, ConfigError, translate_httpx_error
from ._bundle import WHEEL_DIR, read_manifest

# The server pip-installs every requirement of every file on every reload, one file at a time.
UPLOAD_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class UploadResult:
    file: str
    id: str
    loaded: bool
    problem: str = ""


def select(manifest: dict[str, Any], wanted: list[str]) -> list[dict[str, Any]]:
    """The manifest's entries named by ``wanted`` (file name, file stem or plugin id); all
    when ``wanted`` is empty."""
    files = manifest.get("files") or []
    if not wanted:
        return list(files)
    chosen = []
    for name in wanted:
        match = [f for f in files if name in (f["file"], Path(f["file"]).stem, f["id"])]
        if not match:
            known = ", ".join(f["file"] for f in files)
            raise ConfigError(f"no plugin {name!r} in the bundle (it has {known})")
        chosen += [m for m in match if m not in chosen]
    return chosen


def upload(url: str, api_key: str, folder: Path, wanted: list[str]) -> list[UploadResult]:
    """Upload the chosen files of the bundle in ``folder``; says for each whether it loaded."""
    manifest = read_manifest(folder)
    if manifest.get("target") != "pipelines":
        raise ConfigError(
            f"{folder} is a {manifest.get('target')} bundle; upload takes a pipelines bundle "
            "(`alphaomega bundle --target pipelines`), Open WebUI takes `alphaomega install`"
        )
    entries = select(manifest, wanted)
    auth = {"Authorization": f"Bearer {api_key}"}
    base = url.rstrip("/")
    try:
        with httpx.Client(base_url=base, headers=auth, timeout=UPLOAD_TIMEOUT_S) as client:
            for entry in entries:
                content = (folder / entry["file"]).read_bytes()
                files = {"file": (entry["file"], content, "text/x-python")}
                _raise_for(client.post("/pipelines/upload", files=files), base, entry["file"])
            listed = client.get("/pipelines")
            _raise_for(listed, base, "/pipelines")
    except httpx.HTTPError as exc:
        raise translate_httpx_error(exc, base) from exc
    loaded = {p["id"]: p for p in listed.json().get("data", [])}
    wheels = folder / WHEEL_DIR
    return [_verdict(entry, loaded.get(entry["id"]), wheels) for entry in entries]


def _verdict(entry: dict[str, Any], listed: dict[str, Any] | None, wheels: Path) -> UploadResult:
    need = entry["requirement"]
    if listed is not None and listed.get("valves"):
        return UploadResult(entry["file"], entry["id"], True)
    if listed is not None:
        problem = (
            "loaded without the pack (it could not be imported in the server's Python): "
            f"install {need} there and upload again; the server's log says what failed"
        )
    else:
        problem = (
            "the server did not load it (it moves such a file to failed/): most often pip "
            f"could not install its requirements ({need}). Install them into the server's "
            f"Python, or start the server with PIP_FIND_LINKS={wheels} (the pack's wheel) "
            "and an index or folder that has its dependencies; the server's log has pip's error"
        )
    return UploadResult(entry["file"], entry["id"], False, problem)


def _raise_for(response: httpx.Response, url: str, what: str) -> None:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", "")
        except ValueError:
            detail = response.text[:300]
        raise BackendStatusError(f"{what}: {detail}", url=url, status=response.status_code)
