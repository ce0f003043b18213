"""The routing filter through the real Pipelines server, with bodies shaped as Open WebUI's."""

import copy

from tests.plugin_files import owu_fixture

ROUTING = "alphaomega_routing"


def owu_body(content, model="llama3.1:8b"):
    """A real inlet body Open WebUI 0.12.4 sent, with our message and model."""
    recorded = owu_fixture("inlet")
    body, user = copy.deepcopy(recorded["body"]), recorded["user"]
    body["model"] = model
    body["messages"] = [{"role": "user", "content": content}]
    return body, user


def inlet(server, body, user):
    response = server.inlet(ROUTING, body, user)
    assert response.status_code == 200, response.text
    return response.json()


def test_filter_is_listed_for_every_model(server):
    filters = {m["id"]: m for m in server.models() if m["pipeline"]["type"] == "filter"}
    assert filters[ROUTING]["pipeline"]["pipelines"] == ["*"]


def test_code_command_reroutes_and_is_stripped(server):
    out = inlet(server, *owu_body("/code write a binary search in Go"))
    assert out["model"] == "alphaomega_code.qwen2.5-coder:7b"
    assert out["messages"][-1]["content"] == "write a binary search in Go"
    route = out["metadata"]["alphaomega_route"]
    assert route["intent"] == "code" and route["stage"] == "command"
    assert route["target"] == out["model"] and route["from"] == "llama3.1:8b"


def test_image_to_a_blind_model_goes_to_vision_and_keeps_the_image(server):
    parts = [
        {"type": "text", "text": "what does this chart show"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    out = inlet(server, *owu_body(parts, model="alphaomega_code.qwen2.5-coder:7b"))
    assert out["model"] == "alphaomega_vision.llava:34b"
    assert out["messages"][-1]["content"] == parts


def test_image_to_a_vision_model_stays(server):
    parts = [
        {"type": "text", "text": "describe"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    out = inlet(server, *owu_body(parts, model="alphaomega_vision.llama3.2-vision:11b"))
    assert out["model"] == "alphaomega_vision.llama3.2-vision:11b"


def test_plain_message_keeps_its_model_and_records_the_decision(server):
    out = inlet(server, *owu_body("what's the capital of Portugal?"))
    assert out["model"] == "llama3.1:8b"
    route = out["metadata"]["alphaomega_route"]
    assert route["intent"] == "general" and route["stage"] == "fast"
    assert 0 < route["confidence"] <= 1


def test_a_command_whose_target_is_empty_goes_to_auto(server):
    valves = server.client.get(f"/{ROUTING}/valves").json()
    changed = {**valves, "factory_model_id": ""}
    assert server.client.post(f"/{ROUTING}/valves/update", json=changed).status_code == 200
    try:
        out = inlet(server, *owu_body("/factory a todo app"))
        assert out["model"] == "alphaomega_auto.auto"
    finally:
        server.client.post(f"/{ROUTING}/valves/update", json=valves)


def test_image_goes_to_the_image_model_without_the_command(server):
    out = inlet(server, *owu_body("/image a lighthouse at dusk --ar 16:9"))
    assert out["model"] == "alphaomega_image.sdxl"
    assert out["messages"][-1]["content"] == "a lighthouse at dusk --ar 16:9"


def test_screen_command_goes_to_screen_to_look_and_to_agent_s_to_act(server):
    look = inlet(server, *owu_body("/screen what is open right now?"))
    assert look["model"] == "alphaomega_screen.screen"
    assert look["messages"][-1]["content"] == "what is open right now?"
    act = inlet(server, *owu_body("/screen click the Submit button"))
    assert act["model"] == "alphaomega_agent.agent-s"
    assert act["messages"][-1]["content"] == "click the Submit button"


def test_task_requests_pass_untouched(server):
    body, user = owu_body("/code make a title")
    body["metadata"]["task"] = "title_generation"
    assert inlet(server, body, user) == body


def test_a_question_about_the_screen_is_recorded_for_the_desktop_agent(server):
    out = inlet(server, *owu_body("what's that dialog on my screen asking me?"))
    assert out["metadata"]["alphaomega_route"]["intent"] == "computer_use"


def test_a_follow_up_is_decided_with_the_picture_sent_before_it(server):
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    body, user = owu_body("which bird in the photo is the smallest?")
    body["messages"] = [
        {"role": "user", "content": [{"type": "text", "text": "birds"}, image]},
        {"role": "assistant", "content": "Three sparrows."},
        *body["messages"],
    ]
    route = inlet(server, body, user)["metadata"]["alphaomega_route"]
    assert route["intent"] == "vision" and "earlier" in route["reason"]


def test_factory_command_goes_to_the_factory_model(server):
    out = inlet(server, *owu_body("/factory a bookstore API that tracks books"))
    assert out["model"] == "alphaomega_factory.factory"
    assert out["messages"][-1]["content"] == "a bookstore API that tracks books"
