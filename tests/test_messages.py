import pytest

from alphaomega.errors import InputError
from alphaomega.messages import (
    chat_request_problem,
    has_images,
    last_user_text,
    text_of,
    to_backend_messages,
    without_file_markup,
)


def test_text_of_string_and_parts():
    assert text_of("hi") == "hi"
    parts = [
        {"type": "text", "text": "a"},
        {"type": "image_url", "image_url": {"url": "x"}},
        {"type": "text", "text": "b"},
    ]
    assert text_of(parts) == "a\nb"
    assert text_of(None) == ""


def test_last_user_text_skips_assistant():
    messages = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "x"},
        {"role": "user", "content": [{"type": "text", "text": "second"}]},
        {"role": "assistant", "content": "y"},
    ]
    assert last_user_text(messages) == "second"
    assert last_user_text([]) == ""


def test_has_images():
    assert has_images([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}])
    assert not has_images([{"role": "user", "content": "no"}])


def test_system_prompt_goes_first_and_existing_system_kept():
    out = to_backend_messages(
        [{"role": "system", "content": "owu"}, {"role": "user", "content": "q"}],
        system_prompt="  valve prompt ",
    )
    assert [(m.role, m.content) for m in out] == [
        ("system", "valve prompt"),
        ("system", "owu"),
        ("user", "q"),
    ]


def test_no_messages_is_a_clear_error():
    with pytest.raises(InputError, match="no messages"):
        to_backend_messages([])


def test_no_user_message_is_a_clear_error():
    with pytest.raises(InputError, match="no user message"):
        to_backend_messages([{"role": "system", "content": "s"}])


def test_unknown_role_and_unknown_part_type():
    with pytest.raises(InputError, match="role"):
        to_backend_messages([{"role": "wizard", "content": "x"}])
    with pytest.raises(InputError, match="'input_audio'"):
        to_backend_messages([{"role": "user", "content": [{"type": "input_audio"}]}])


def test_image_to_text_only_model_points_to_vision():
    with pytest.raises(InputError, match="Vision"):
        to_backend_messages(
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
        )


def test_image_hook_fills_images():
    parts = [{"type": "text", "text": "what"}, {"type": "image_url", "image_url": {"url": "u"}}]
    out = to_backend_messages(
        [{"role": "user", "content": parts}],
        image_part=lambda part: "B64:" + part["image_url"]["url"],
    )
    assert out[0].content == "what" and out[0].images == ["B64:u"]


# ---- the shape of a chat request --------------------------------------------------------------


def request(messages, **extra):
    return {"model": "alphaomega_code.qwen2.5-coder:7b", "messages": messages, **extra}


def user(content):
    return {"role": "user", "content": content}


@pytest.mark.parametrize("parts", [[{"type": "text"}], [5], [{"text": "hi"}]])
def test_content_parts_with_no_text_are_named_with_the_shape_to_send(parts):
    problem = chat_request_problem(request([user(parts)]))
    assert problem.startswith("Message 1 has a content part (1)")
    assert '{"type": "text", "text": "..."}' in problem


def test_the_message_and_part_at_fault_are_counted_from_one():
    messages = [
        user("fine"),
        {"role": "assistant", "content": "ok"},
        user([{"type": "text", "text": "a"}, {"type": "text", "text": None}]),
    ]
    assert chat_request_problem(request(messages)).startswith(
        "Message 3 has a content part (2) that is a text part"
    )


def test_an_image_url_given_as_a_string_says_what_the_field_must_be():
    part = {"type": "image_url", "image_url": "https://example.org/cat.png"}
    problem = chat_request_problem(request([user([part])]))
    assert "'image_url' as a string" in problem
    assert '{"type": "image_url", "image_url": {"url": "..."}}' in problem
    no_url = {"type": "image_url", "image_url": {"detail": "low"}}
    assert "no 'url'" in chat_request_problem(request([user([no_url])]))


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens", "seed", "top_k"])
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64 * 1000, 1.8446744073709552e20])
def test_integers_beyond_64_bits_are_a_bad_request(field, value):
    assert f"'{field}' is too large" in chat_request_problem(
        request([user("hi")], **{field: value})
    )


@pytest.mark.parametrize("field", ["max_tokens", "seed"])
def test_integers_within_64_bits_pass(field):
    for value in (2**63 - 1, -(2**63), -1, 0, None):
        assert chat_request_problem(request([user("hi")], **{field: value})) is None


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"max_tokens": "100"}, "'max_tokens' must be a whole number, not a string"),
        ({"max_tokens": True}, "'max_tokens' must be a whole number, not true/false"),
        ({"temperature": "hot"}, "'temperature' must be a number, not a string"),
        ({"stop": ["a", 1]}, "'stop' must be a string or a list of strings"),
    ],
)
def test_options_of_the_wrong_type_are_named(extra, reason):
    assert reason in chat_request_problem(request([user("hi")], **extra))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([user("hi")], "The request body must be a JSON object"),
        ({"messages": [user("hi")]}, "needs 'model'"),
        (request("hello"), "'messages' is a string; it must be a list"),
        (request(None), "'messages' is missing (null)"),
        (request(["hello"]), "Message 1 is a string; a message is an object"),
        (request([{"role": 3, "content": "hi"}]), "needs 'role' as a string"),
        (request([{"content": "hi"}]), "needs 'role' as a string"),
        (request([user(42)]), "content that is the number 42"),
        (request([user({"text": "hi"})]), "content that is an object"),
    ],
)
def test_other_malformed_shapes_get_a_reason(body, reason):
    assert reason in chat_request_problem(body)


@pytest.mark.parametrize(
    "body",
    [
        request([user("hi")]),
        request([{"role": "system", "content": "terse"}, user([{"type": "text", "text": ""}])]),
        request([user([{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}])]),
        request([user([{"type": "input_audio", "input_audio": {}}])]),  # the model's business
        request([], temperature=0.3, top_p=1, stop="END", max_tokens=128, stream=False),
        {"model": "someone_else.model", "messages": [user("hi")], "metadata": {"chat_id": "c"}},
    ],
)
def test_sound_requests_pass(body):
    assert chat_request_problem(body) is None


# ---- Open WebUI's file markup -----------------------------------------------------------------

ATTACHED = (
    "<attached_files>\n"
    '<file type="image" id="f1" url="/api/v1/files/f1/content" content_type="image/png" '
    'name="shot.png"/>\n'
    "</attached_files>\n\n"
)


def test_file_markup_is_taken_out_of_the_persons_text():
    assert without_file_markup(ATTACHED + "What is on it?") == "What is on it?"
    assert without_file_markup("Read this:\n\n" + ATTACHED) == "Read this:"
    assert without_file_markup(ATTACHED) == ""
    # Text that merely names the tag is the person's own.
    assert without_file_markup("Why does `<attached_files>` break?") == (
        "Why does `<attached_files>` break?"
    )


def test_the_backend_gets_the_text_without_markup_and_keeps_the_images():
    content = [
        {"type": "text", "text": ATTACHED + "Describe the picture."},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    out = to_backend_messages([user(content)], image_part=lambda part: "IMG")
    assert out[-1].content == "Describe the picture." and out[-1].images == ["IMG"]
    plain = to_backend_messages([user(ATTACHED + "Summarise it")])
    assert plain[-1].content == "Summarise it"
    assert last_user_text([user(ATTACHED + "route me")]) == "route me"


def test_an_assistant_quoting_the_markup_is_left_alone():
    out = to_backend_messages([{"role": "assistant", "content": ATTACHED + "x"}, user("q")])
    assert out[0].content == ATTACHED + "x"


def test_earlier_answers_images_are_not_sent_back():
    from alphaomega.messages import to_backend_messages

    big = "data:image/png;base64," + "A" * 200_000
    messages = [
        {"role": "user", "content": "draw a cat"},
        {
            "role": "assistant",
            "content": f"Here it is: ![a cat]({big}) and ![](/api/v1/files/abc/content)",
        },
        {"role": "user", "content": "now a dog"},
    ]
    converted = to_backend_messages(messages)
    answer = converted[1].content
    assert answer == "Here it is: [image: a cat] and [image]"
    assert sum(len(m.content) for m in converted) < 200


def test_tool_calls_and_tool_results_go_back_in_ollamas_shape():
    from alphaomega.messages import messages_problem, to_backend_messages

    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    messages = [
        {"role": "user", "content": "use f"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]
    assert messages_problem(messages) is None
    converted = to_backend_messages(messages)
    assert converted[1].tool_calls == [
        {"id": "call_1", "function": {"name": "f", "arguments": {"a": 1}}}
    ]
    assert (converted[2].tool_name, converted[2].tool_call_id) == ("f", "call_1")
    bad = [
        messages[0],
        {**messages[1], "tool_calls": [{**call, "function": {"name": "f", "arguments": "{"}}]},
    ]
    with pytest.raises(InputError, match="not JSON"):
        to_backend_messages(bad)


def test_n_and_logit_bias_are_refused_with_the_reason():
    from alphaomega.messages import unsupported_problem

    assert "'n' is 3" in unsupported_problem({"n": 3})
    assert unsupported_problem({"n": 1}) is None
    assert "logit_bias" in unsupported_problem({"logit_bias": {"1": 2}})
