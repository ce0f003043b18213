"""The agent host on a real X display, driving a real Tk window with pyautogui."""

from __future__ import annotations

import io
import json
import os
import stat
import time

import httpx
import pytest
from PIL import Image

from alphaomega.agent import HostSettings, bearer_matches, host_banner, host_token
from alphaomega.testing.agent_host import AgentHostProcess
from alphaomega.testing.desktop import COLOURS

from .conftest import TOKEN


def audit_lines(host):
    if not host.audit_path.exists():
        return []
    return [json.loads(line) for line in host.audit_path.read_text().splitlines()]


def settle(window, seconds=1.0):
    """Give the window time to register anything that reached it (nothing should)."""
    time.sleep(seconds)
    return window.clicks()


def test_health_needs_no_token_and_says_only_that_it_is_up(agent_host):
    response = httpx.get(agent_host.url + "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN + "x", "Basic " + TOKEN])
@pytest.mark.parametrize(
    "method,path", [("GET", "/screenshot"), ("POST", "/act"), ("POST", "/stop"), ("GET", "/nope")]
)
def test_every_route_but_health_is_401_without_the_token(agent_host, window, token, method, path):
    headers = {}
    if token and token.startswith("Basic "):
        headers["Authorization"] = token
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    x, y = window.centre("Submit")
    before = len(audit_lines(agent_host))
    response = httpx.request(
        method,
        agent_host.url + path,
        headers=headers,
        json={"action": f"import pyautogui; pyautogui.click({x}, {y})"},
    )
    assert response.status_code == 401
    assert settle(window, 0.3) == []
    assert len(audit_lines(agent_host)) == before
    with agent_host.client() as client:  # /stop without the token did not stop anything
        assert client.get("/status").json() == {"stopped": False}


def test_screenshot_is_the_real_screen_and_scales_down(agent_host, window):
    with agent_host.client() as client:
        full = client.get("/screenshot")
        small = client.get("/screenshot", params={"max_width": 640})
        bad = client.get("/screenshot", params={"max_width": "lots"})
        jpeg = client.get("/screenshot", params={"max_width": 640, "format": "jpeg", "quality": 90})
        bad_format = client.get("/screenshot", params={"format": "gif"})
    assert full.status_code == 200 and full.headers["content-type"] == "image/png"
    assert (full.headers["x-screen-width"], full.headers["x-screen-height"]) == ("1280", "800")
    image = Image.open(io.BytesIO(full.content)).convert("RGB")
    assert image.size == (1280, 800)
    for name in ("Submit", "Cancel", "field"):
        assert (
            image.getpixel(window.centre(name)[:1] + (window.widget(name)[1] + 3,))
            == (COLOURS[name])
        )
    scaled = Image.open(io.BytesIO(small.content))
    assert scaled.size == (640, 400)
    assert small.headers["x-screen-width"] == "1280"
    assert bad.status_code == 400 and bad_format.status_code == 400
    assert jpeg.headers["content-type"] == "image/jpeg"
    as_jpeg = Image.open(io.BytesIO(jpeg.content)).convert("RGB")
    assert as_jpeg.size == (640, 400)
    left, top, _, height = window.widget("Submit")  # beside its white text
    pixel = as_jpeg.getpixel(((left + 12) // 2, (top + height // 2) // 2))
    assert all(abs(a - b) <= 30 for a, b in zip(pixel, COLOURS["Submit"], strict=True))


def test_act_clicks_and_types_for_real(agent_host, window):
    fx, fy = window.centre("field")
    sx, sy = window.centre("Submit")
    action = (
        f"import pyautogui; pyautogui.click({fx}, {fy}, clicks=1, button='left'); "
        f"pyautogui.write('hello agent'); pyautogui.click({sx}, {sy})"
    )
    with agent_host.client() as client:
        response = client.post("/act", json={"action": action, "user": "u-1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["allowed"] is True
    assert body["done"] == [
        f"click at ({fx}, {fy})",
        "typed 11 characters",
        f"click at ({sx}, {sy})",
    ]
    clicks = window.wait_for(1)
    assert clicks == [
        {
            "event": "click",
            "button": "Submit",
            "text": "hello agent",
            "label": "Submitted: hello agent",
        }
    ]
    last = audit_lines(agent_host)[-1]
    assert last["user"] == "u-1" and last["allowed"] is True and last["action"] == action
    assert len(last["screenshot_sha256"]) == 64


@pytest.mark.parametrize(
    "extra,rule",
    [
        ("import os; os.system('touch /tmp/pwned')", "import"),
        ("pyautogui.hotkey('ctrl', 'alt', 'delete')", None),
        ("exec('print(1)')", None),
        ("pyautogui.write('rm -rf ~\\n')", None),
        ("pyautogui.FAILSAFE = False", "setting-change"),
    ],
)
def test_a_refused_action_is_403_and_leaves_the_window_untouched(agent_host, window, extra, rule):
    x, y = window.centre("Submit")
    action = f"import pyautogui; pyautogui.click({x}, {y}); {extra}"
    with agent_host.client() as client:
        response = client.post("/act", json={"action": action})
    assert response.status_code == 403
    body = response.json()
    assert body["allowed"] is False and body["reasons"] and body["rules"]
    if rule:
        assert rule in body["rules"]
    assert settle(window) == []
    last = audit_lines(agent_host)[-1]
    assert last["action"] == action and last["allowed"] is False
    assert last["rules"] == body["rules"] and len(last["screenshot_sha256"]) == 64


def test_a_click_off_the_real_screen_is_refused(agent_host, window):
    with agent_host.client() as client:
        response = client.post(
            "/act", json={"action": "import pyautogui; pyautogui.click(1900, 300)"}
        )
    assert response.status_code == 403
    assert "coordinates" in response.json()["rules"]


def test_stop_refuses_every_action_until_resume(agent_host, window):
    x, y = window.centre("Cancel")
    action = f"import pyautogui; pyautogui.click({x}, {y})"
    with agent_host.client() as client:
        assert client.post("/stop").json() == {"stopped": True}
        try:
            refused = client.post("/act", json={"action": action})
            assert refused.status_code == 403 and refused.json()["rules"] == ["stopped"]
            assert settle(window) == []
            assert audit_lines(agent_host)[-1]["rules"] == ["stopped"]
        finally:
            assert client.post("/resume").json() == {"stopped": False}
        allowed = client.post("/act", json={"action": action})
    assert allowed.status_code == 200
    assert [c["button"] for c in window.wait_for(1)] == ["Cancel"]


def test_bad_requests_are_400_and_control_words_do_nothing(agent_host, window):
    with agent_host.client() as client:
        assert client.post("/act", content=b"not json").status_code == 400
        assert client.post("/act", json={"action": 42}).status_code == 400
        done = client.post("/act", json={"action": "DONE"})
    assert done.status_code == 200 and done.json()["control"] == "DONE"
    assert settle(window, 0.3) == []


def test_the_audit_holds_every_attempt(display, tmp_path, window):
    with AgentHostProcess(display, tmp_path / "host", TOKEN, actions_per_minute=3) as host:
        x, y = window.centre("Cancel")
        click = f"import pyautogui; pyautogui.click({x}, {y})"
        sent = [click, "import subprocess", click, click]  # refused attempts count too
        with host.client() as client:
            statuses = [client.post("/act", json={"action": a}).status_code for a in sent]
        assert statuses == [200, 403, 200, 429]
        lines = audit_lines(host)
        assert [line["action"] for line in lines] == sent
        assert [line["allowed"] for line in lines] == [True, False, True, False]
        assert lines[1]["rules"] == ["import"] and lines[3]["rules"] == ["rate-limit"]
        assert len(window.wait_for(2)) == 2
        assert len(settle(window)) == 2
        mode = stat.S_IMODE(os.stat(host.audit_path).st_mode)
        assert mode == 0o600


def test_without_an_env_token_one_is_made_once_kept_private_and_printed(tmp_path):
    token = host_token(tmp_path, environ={})
    assert token.startswith("aoa-") and len(token) > 30
    assert stat.S_IMODE(os.stat(tmp_path / "agent_token").st_mode) == 0o600
    assert host_token(tmp_path, environ={}) == token
    assert host_token(tmp_path, environ={"ALPHAOMEGA_AGENT_TOKEN": "mine"}) == "mine"
    banner = host_banner(HostSettings(data_dir=tmp_path), "127.0.0.1", 8001, token)
    assert token in banner and "WARNING" not in banner
    wide = host_banner(HostSettings(data_dir=tmp_path), "0.0.0.0", 8001, token)
    assert wide.startswith("WARNING")


def test_bearer_compare():
    assert bearer_matches("Bearer abc", "abc")
    assert bearer_matches("bearer abc", "abc")
    assert not bearer_matches("Bearer abd", "abc")
    assert not bearer_matches("abc", "abc")
    assert not bearer_matches(None, "abc")


def test_without_a_display_the_host_says_so_and_exits(tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = subprocess.run(
        [sys.executable, "-m", "alphaomega", "agent-host", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "DISPLAY is not set" in done.stderr
