"""Run inside Open WebUI's own Python: load a Tools file with Open WebUI's loader, build the
specs its native function calling sends to a model, and call the tools as it calls them.

Reads a job as JSON on stdin: ``{"file", "valves", "user", "calls": [{"name", "args", "user"?}]}``;
writes ``{"specs": [...], "results": [...]}`` on stdout.
"""

import asyncio
import json
import sys

from open_webui.utils.plugin import load_tool_module_by_id
from open_webui.utils.tools import (
    get_async_tool_function_and_apply_extra_params,
    get_functions_from_tool,
    get_tool_specs,
)


async def main(job: dict, content: str) -> None:
    tools, _frontmatter, _module = await load_tool_module_by_id("alphaomega_test", content)
    if hasattr(tools, "valves") and hasattr(tools, "Valves"):
        tools.valves = tools.Valves(**job.get("valves", {}))
    specs = get_tool_specs(tools)
    functions = {f.__name__: f for f in get_functions_from_tool(tools)}
    extra = {"__user__": job["user"], "__event_emitter__": None, "__id__": "alphaomega_test"}
    results = []
    for call in job["calls"]:
        params = {**extra, "__user__": call.get("user", job["user"])}
        tool = await get_async_tool_function_and_apply_extra_params(functions[call["name"]], params)
        results.append(await tool(**call["args"]))
    sys.stdout.write(json.dumps({"specs": specs, "results": results}) + "\n")


if __name__ == "__main__":
    job = json.load(sys.stdin)
    with open(job["file"], encoding="utf-8") as f:
        asyncio.run(main(job, f.read()))
