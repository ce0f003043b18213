"""One memory service per process per backend, shared by every plugin that asks for it.

The services are the current Pack's (``Pack.memory_services``), which closes them at exit.

An embedded Qdrant folder can be open in one client only, so a service for a different
configuration of the same folder closes the old one before it opens (valves changed).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..pack import Pack
from ._adapters import Embedder, ExtractionLLM
from ._config import MemorySettings
from ._service import MemoryService


@dataclass
class _Entry:
    service: MemoryService
    holders: int


def _key(settings: MemorySettings, embedder: object, llm: object) -> tuple[str, ...]:
    injected = (f"embedder:{id(embedder)}",) if embedder is not None else ()
    injected += (f"llm:{id(llm)}",) if llm is not None else ()
    return settings.backend_key() + injected


async def open_service(
    settings: MemorySettings,
    *,
    embedder: Embedder | None = None,
    llm: ExtractionLLM | None = None,
) -> MemoryService:
    """The process's service for these settings, started; pair each call with a release."""
    key = _key(settings, embedder, llm)
    displaced: list[MemoryService] = []
    pack = Pack.current()
    services = pack.memory_services
    with pack.memory_lock:
        entry = services.get(key)
        if entry is not None and entry.service.state != "closed":
            entry.holders += 1
            entry.service.apply(settings)
            return entry.service
        storage = settings.storage_key()
        for other_key, other in list(services.items()):
            if other_key == key or (storage and other.service.settings.storage_key() == storage):
                displaced.append(other.service)
                del services[other_key]
        service = MemoryService(settings, embedder=embedder, llm=llm)
        services[key] = _Entry(service, 1)
    for old in displaced:
        await asyncio.to_thread(old.close)
    service.start()
    return service


async def release_service(service: MemoryService) -> None:
    """Give back a service from ``open_service``; the last holder closes it."""
    pack = Pack.current()
    services = pack.memory_services
    with pack.memory_lock:
        for key, entry in list(services.items()):
            if entry.service is service:
                entry.holders -= 1
                if entry.holders > 0:
                    return
                del services[key]
                break
    await asyncio.to_thread(service.close)


def _close_memory(pack: Pack) -> None:
    with pack.memory_lock:
        services = [entry.service for entry in pack.memory_services.values()]
        pack.memory_services.clear()
    for service in services:
        service.close()


Pack.on_close("memory", _close_memory)
