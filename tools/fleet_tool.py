"""
title: AlphaOmega · Fleet status
author: AlphaOmega
version: 0.1.0
license: MIT
description: Lets a model tell what runs where: each instance, up or down, its models and load.
"""

from alphaomega.distribution import FleetTool, FleetToolSettings


class Tools:
    class Valves(FleetToolSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.valves = self.Valves()
        self.core = FleetTool()

    async def fleet_status(self) -> str:
        """
        Report the rig's model servers (one per GPU): which are up, which models each serves,
        which are loaded now and how busy each is.
        """
        return await self.core.status(self.valves)
