"""
title: AlphaOmega · Memory tools
author: AlphaOmega
version: 0.1.0
license: MIT
description: Lets a model remember and recall facts about the person in the chat, per person.
"""

from alphaomega.distribution import MemoryTool
from alphaomega.memory import MemorySettings


class Tools:
    class Valves(MemorySettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.valves = self.Valves()
        self.core = MemoryTool()

    async def remember(self, fact: str, __user__: dict | None = None) -> str:
        """
        Store a fact about the person you are talking to, so that later chats can recall it.
        :param fact: The fact as one short sentence, e.g. "Their daughter is called Ada".
        """
        return await self.core.remember(fact, __user__, self.valves)

    async def recall(self, query: str, __user__: dict | None = None) -> str:
        """
        Look up what you remember about the person you are talking to.
        :param query: What to look for, e.g. "daughter's name"; empty lists the latest facts.
        """
        return await self.core.recall(query, __user__, self.valves)
