"""The running Pipelines server, found from inside it: its app, its plugins, its helpers.

The server is a script (``uvicorn main:app``), not a package, so the pack finds it as the module
``main`` and checks that it has what the native path relies on; any other ``main`` (or a future
server that changed shape) is ignored and the pack stays on the stock routes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

SERVER_MODULE = "main"


@dataclass(frozen=True)
class HostServer:
    module: ModuleType

    @classmethod
    def find(cls) -> HostServer | None:
        module = sys.modules.get(SERVER_MODULE)
        if module is None:
            return None
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
