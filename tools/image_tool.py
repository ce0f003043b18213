"""
title: AlphaOmega · Image
author: AlphaOmega
version: 0.1.0
license: MIT
description: Draw pictures with ComfyUI (one per GPU) from any chat model with function calling.
"""

from alphaomega.comfyui import ImageTool, ImageToolSettings


class Tools:
    class Valves(ImageToolSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.valves = self.Valves()
        self.core = ImageTool()

    async def generate_image(self, prompt: str, __event_emitter__=None) -> str:
        """
        Draw a picture and show it to the user.
        :param prompt: What to draw, in words. May end with flags: --ar 16:9 (aspect ratio),
            --seed N, --steps N, --cfg X, --no <what to leave out>, --n 1..4 (how many).
        :return: The parameters used (the seed reproduces the picture).
        """
        return await self.core.generate(prompt, self.valves, __event_emitter__)
