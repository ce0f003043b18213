"""
title: AlphaOmega · Factory
author: AlphaOmega
version: 0.1.0
license: MIT
description: A whole application from one sentence, built and tested by the factory host.
"""

from alphaomega import host
from alphaomega.factory import FactoryModel, FactorySettings


class Pipeline:
    class Valves(FactorySettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "manifold"
        self.id = "alphaomega_factory"
        self.name = "AlphaOmega · "
        self.valves = self.Valves()
        self.core = FactoryModel()
        host.attach(self)

    def pipelines(self):
        return [{"id": "factory", "name": "Factory"}]

    def pipe(self, user_message, model_id, messages, body):
        return self.core.pipe(body, messages, self.valves)
