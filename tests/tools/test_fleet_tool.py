"""``fleet_status`` as Open WebUI's native function calling offers and calls it."""

from alphaomega.testing import free_port
from alphaomega.testing.owu_flow import user_record
from tests.tools.conftest import spec_named

ALICE = user_record("alice")


def test_fleet_status_says_what_runs_where(functions_bundle, run_in_open_webui, sim):
    dead = f"http://127.0.0.1:{free_port()}"
    fleet = f"gpu0={sim.url},gpu1={dead}"
    job = {
        "file": str(functions_bundle / "fleet_tool.py"),
        "user": ALICE,
        "calls": [{"name": "fleet_status", "args": {}}],
    }
    out = run_in_open_webui(job, env={"ALPHAOMEGA_FLEET": fleet})
    spec = spec_named(out["specs"], "fleet_status")
    assert "which are up" in spec["description"]
    assert spec["parameters"]["properties"] == {}
    (status,) = out["results"]
    up, down = status.splitlines()
    assert up.startswith("- gpu0: up") and "qwen2.5-coder:7b" in up
    assert down.startswith("- gpu1: DOWN")
    assert sim.url not in status and dead not in status  # show_urls is off by default
    job["valves"] = {"show_urls": True}
    out = run_in_open_webui(job, env={"ALPHAOMEGA_FLEET": fleet})
    assert sim.url in out["results"][0]
