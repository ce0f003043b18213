"""
title: AlphaOmega · Agent-S
author: AlphaOmega
version: 0.1.0
license: MIT
description: Computer use: observe, plan a step, validate, act on the desktop via the agent host.
"""

from alphaomega import host
from alphaomega.agent import AgentModel, AgentSettings


class Pipeline:
    class Valves(AgentSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "manifold"
        self.id = "alphaomega_agent"
        self.name = "AlphaOmega · "
        self.valves = self.Valves()
        self.core = AgentModel()
        host.attach(self)

    def pipelines(self):
        return [{"id": "agent-s", "name": "Agent-S"}]

    def pipe(self, user_message, model_id, messages, body):
        return self.core.respond(body, messages, self.valves)
