"""The front door on a held-out set: what a stranger on the network gets from ``alphaomega serve``.

Each route of ``bench/data/front_door_heldout.json`` is asked with every wrong credential (none,
other schemes, a near key, the key in another header); it counts as *open* when the answer is
anything but 401. With the right key, in any spelling Open WebUI could send, a route counts as
*blocked* when it is 401 (the door must not lock out Open WebUI). Each upload name is sent with
the key; it counts as *escaped* when a file appears outside the plugin folder, *refused* when
the answer is 400. The server has no backend: only the door is measured.

    python bench/front_door.py --label after    # merges into bench/results/front_door.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alphaomega.testing.pipelines_server import PipelinesServer, free_port  # noqa: E402

DATA = ROOT / "bench" / "data" / "front_door_heldout.json"
RESULTS = ROOT / "bench" / "results" / "front_door.json"
KEY = "bench-front-door-key"
PAYLOAD = b"x = 1  # not a plugin: the server sets it aside\n"


def with_key(headers: dict[str, str]) -> dict[str, str]:
    return {name: value.replace("KEY", KEY) for name, value in headers.items()}


def ask(client: httpx.Client, route: list, headers: dict[str, str]) -> int:
    method, path, *body = route
    return client.request(method, path, json=body[0] if body else None, headers=headers).status_code


def measure(sets: dict, work: Path) -> dict:
    data_dir = work / "a" / "b" / "data"  # ../ names land in work/, which is checked after
    outside = work / "outside"
    outside.mkdir(parents=True)
    env = {"ALPHAOMEGA_FLEET": f"http://127.0.0.1:{free_port()}"}
    with PipelinesServer(data_dir, env=env, api_key=KEY) as server:
        plugins = data_dir / "pipelines"
        before = {p for p in work.rglob("*") if p.is_file()}
        with httpx.Client(base_url=server.url, timeout=30) as client:
            wrong = [(r[1], h) for r in sets["routes"] for h in sets["wrong_credentials"]]
            opened = [
                f"{route[0]} {route[1]} {sorted(headers)}"
                for route in sets["routes"]
                for headers in sets["wrong_credentials"]
                if ask(client, route, with_key(headers)) != 401
            ]
            blocked = [
                f"{route[0]} {route[1]}"
                for route in sets["routes"]
                for headers in sets["right_credentials"]
                if ask(client, route, with_key(headers)) == 401
            ]
            refused = 0
            for name in sets["upload_names"]:
                name = name.replace("ABSOLUTE", str(outside))
                answer = client.post(
                    "/pipelines/upload",
                    headers=with_key({"Authorization": "Bearer KEY"}),
                    files={"file": (name, PAYLOAD, "text/x-python")},
                )
                refused += answer.status_code == 400
        written = {p for p in work.rglob("*") if p.is_file()} - before
        escaped = sorted(  # every upload name has "escape" in it
            str(p.relative_to(work))
            for p in written
            if "escape" in p.name and plugins not in p.parents
        )
    right = len(sets["routes"]) * len(sets["right_credentials"])
    return {
        "wrong_credential_requests": len(wrong),
        "open_without_the_key": len(opened),
        "open_examples": opened[:5],
        "right_key_requests": right,
        "blocked_with_the_key": len(blocked),
        "upload_names": len(sets["upload_names"]),
        "uploads_refused_400": refused,
        "uploads_written_outside_the_plugin_folder": len(escaped),
        "escaped_files": escaped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="before / after")
    args = parser.parse_args()
    sets = json.loads(DATA.read_text())
    with tempfile.TemporaryDirectory() as work:
        figures = measure(sets, Path(work))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[args.label] = figures
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.write(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
