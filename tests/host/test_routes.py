"""Which requests the native path takes, and what it reads from them (no I/O)."""

import pytest

from alphaomega.host._routes import (
    ChatCall,
    ChatRoute,
    HookRoute,
    chat_call,
    has_header,
    hook_arguments,
    match,
    sends_json,
)

MODEL = "alphaomega_code.qwen2.5-coder:7b"
HELLO = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/chat/completions"])
def test_chat_paths_match_a_post(path):
    assert match("POST", path) == ChatRoute()


@pytest.mark.parametrize(
    ("path", "filter_id", "hook"),
    [
        ("/alphaomega_safety/filter/inlet", "alphaomega_safety", "inlet"),
        ("/alphaomega_safety/filter/outlet", "alphaomega_safety", "outlet"),
        ("/v1/alphaomega_memory/filter/inlet", "alphaomega_memory", "inlet"),
        ("/v1/alphaomega_memory/filter/outlet", "alphaomega_memory", "outlet"),
    ],
)
def test_hook_paths_with_and_without_v1(path, filter_id, hook):
    assert match("POST", path) == HookRoute(filter_id, hook)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS", "HEAD", "post"])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/alphaomega_safety/filter/inlet"])
def test_only_a_post_is_taken(method, path):
    assert match(method, path) is None


@pytest.mark.parametrize(
    "path",
    [
        "/v1/filter/inlet",  # "v1" is the prefix, not a filter id
        "/alphaomega_safety/filter/stream",
        "/alphaomega_safety/filter/inlet/",
        "/alphaomega_safety/valves/update",
        "/a/b/filter/inlet",
        "//filter/inlet",
        "/v1/v1/chat/completions",
        "/v1/chat/completions/",
        "/v1/models",
        "/",
    ],
)
def test_other_paths_are_left_to_the_stock_routes(path):
    assert match("POST", path) is None


def test_a_streamed_chat_becomes_a_call_for_the_manifold_and_its_sub_model():
    payload = {"model": MODEL, "messages": HELLO, "stream": True, "temperature": 0.2}
    call = chat_call(payload)
    assert call == ChatCall("alphaomega_code", "qwen2.5-coder:7b", payload, HELLO)
    assert call.body is not payload  # the caller's dict is not the one handed on


def test_missing_stream_is_a_call_for_a_whole_reply():
    call = chat_call({"model": MODEL, "messages": HELLO})
    assert call is not None
    assert call.body.get("stream", False) is False
    assert call.body["model"] == MODEL


def test_stream_false_is_a_call_too():
    call = chat_call({"model": MODEL, "messages": HELLO, "stream": False})
    assert call is not None and call.body["stream"] is False


def test_only_the_first_dot_splits_module_and_sub_model():
    call = chat_call({"model": "alphaomega_auto.v2.5.x", "messages": HELLO})
    assert (call.module_id, call.sub_model) == ("alphaomega_auto", "v2.5.x")


@pytest.mark.parametrize("stream", [None, 1, "true", 0])
def test_a_stream_flag_that_is_not_true_or_false_is_left_to_the_stock_route(stream):
    assert chat_call({"model": MODEL, "messages": HELLO, "stream": stream}) is None


@pytest.mark.parametrize("model", ["nope", "", None, 7, ["a.b"]])
def test_a_model_without_a_dot_or_not_a_string_is_left_to_the_stock_route(model):
    assert chat_call({"model": model, "messages": HELLO}) is None


def test_a_missing_model_is_left_to_the_stock_route():
    assert chat_call({"messages": HELLO}) is None


@pytest.mark.parametrize(
    "messages",
    [
        None,
        "hi",
        {"role": "user", "content": "hi"},
        ["hi"],
        [{"content": "hi"}],
        [{"role": 1, "content": "hi"}],
        [{"role": "user"}],
        [{"role": "user", "content": None}],
        [{"role": "user", "content": {"type": "text"}}],
        [{"role": "user", "content": "ok"}, {"role": "assistant", "content": 3}],
    ],
)
def test_messages_the_stock_form_would_refuse_are_left_to_it(messages):
    assert chat_call({"model": MODEL, "messages": messages}) is None


def test_valid_messages_of_every_accepted_shape_are_taken():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "what is it"}]},
        {"role": "assistant", "content": "", "extra": "kept"},
    ]
    call = chat_call({"model": MODEL, "messages": messages})
    assert call is not None and call.messages == messages


def test_no_messages_is_still_a_valid_call():
    call = chat_call({"model": MODEL, "messages": []})
    assert call is not None and call.messages == []


@pytest.mark.parametrize("payload", [None, [], "text", 3, [{"model": MODEL}]])
def test_a_body_that_is_not_an_object_is_no_call(payload):
    assert chat_call(payload) is None


def test_hook_arguments_of_a_valid_call():
    body = {"model": MODEL, "messages": HELLO}
    user = {"id": "u1", "role": "user"}
    assert hook_arguments({"body": body, "user": user}) == (body, user)


@pytest.mark.parametrize("payload", [{"body": {}}, {"body": {}, "user": None}])
def test_hook_arguments_without_a_user(payload):
    assert hook_arguments(payload) == ({}, None)


def test_hook_arguments_ignore_extra_fields_as_the_stock_form_does():
    assert hook_arguments({"body": {"a": 1}, "user": None, "extra": 2}) == ({"a": 1}, None)


@pytest.mark.parametrize("body", ["text", None, [], 3, [{"a": 1}]])
def test_a_hook_body_that_is_not_a_dict_is_left_to_the_stock_route(body):
    assert hook_arguments({"body": body, "user": None}) is None


def test_a_hook_call_without_a_body_is_left_to_the_stock_route():
    assert hook_arguments({"user": {"id": "u1"}}) is None


@pytest.mark.parametrize("user", ["alice", 3, [], ["alice"], True])
def test_a_user_that_is_not_a_dict_is_left_to_the_stock_route(user):
    assert hook_arguments({"body": {}, "user": user}) is None


@pytest.mark.parametrize("payload", [None, [], "body", 3])
def test_a_hook_payload_that_is_not_an_object_is_left_to_the_stock_route(payload):
    assert hook_arguments(payload) is None


@pytest.mark.parametrize("key", [b"origin", b"Origin", b"ORIGIN"])
def test_has_header_ignores_the_case_of_the_name(key):
    headers = [(b"content-type", b"application/json"), (key, b"http://localhost:3000")]
    assert has_header(headers, b"origin")


def test_has_header_is_false_without_it():
    assert not has_header([(b"content-type", b"application/json")], b"origin")
    assert not has_header([], b"origin")
    assert not has_header([(b"x-origin", b"a")], b"origin")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"application/json", True),
        (b"Application/JSON; charset=utf-8", True),
        (b"application/vnd.api+json", True),
        (b"text/plain", False),
        (b"application/x-www-form-urlencoded", False),
        (b"text/json", False),
    ],
)
def test_sends_json_reads_the_declared_content_type(value, expected):
    assert sends_json([(b"Content-Type", value)]) is expected


def test_a_body_without_a_content_type_is_not_json():
    assert sends_json([(b"accept", b"application/json")]) is False
