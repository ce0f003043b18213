"""The pack inside the Pipelines server: one loop, and a native path for its own plugins.

Every plugin file calls ``attach(self)`` in its constructor. Outside the server (a test loading
the file, the CLI) that only records the plugin. Inside it, the first call makes the server's
loop the pack's loop (``runtime.adopt``) and puts ``NativePath`` in front of the server's
stack, which serves the pack's streamed chats and filter hooks on that loop. The stock routes
keep serving everything else. ``ALPHAOMEGA_NATIVE=0`` leaves the server entirely stock.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import weakref
from typing import Any

from .. import runtime
from ._asgi import NativePath
from ._server import HostServer

__all__ = ["NativePath", "attach", "native_enabled"]

log = logging.getLogger(__name__)

ENV_SWITCH = "ALPHAOMEGA_NATIVE"
SWITCH_INTERVAL_S = 0.001
_plugins: weakref.WeakSet[Any] = weakref.WeakSet()


def native_enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def attach(plugin: Any) -> bool:
    """Record ``plugin`` as the pack's; True when the server now serves it natively."""
    _plugins.add(plugin)
    server = HostServer.find()
    if server is None or not native_enabled():
        return False
    try:
        running = asyncio.get_running_loop()  # the server builds plugins on its loop
    except RuntimeError:
        return False
    if not runtime.adopt(running):
        log.warning("the pack's own loop already runs; its plugins use the stock routes")
        return False
    # The pack's background threads (memory writers, mem0, Qdrant) hold the GIL for slices of
    # the interpreter's switch interval, 5 ms by default, while the loop a chat waits on
    # queues for it: shorter slices hand it back sooner.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
    return _install(server)


def _install(server: HostServer) -> bool:
    app = server.app
    stack = app.middleware_stack or app.build_middleware_stack()
    if isinstance(stack, NativePath):
        return True
    app.middleware_stack = NativePath(stack, server, _plugins)
    log.info("serving the pack's chats and filter hooks on the server's loop")
    # Once the server has loaded every plugin (the loop gets to its next callback).
    asyncio.get_running_loop().call_soon(runtime.settle_heap)
    return True
