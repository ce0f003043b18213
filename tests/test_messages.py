import pytest

from alphaomega.errors import InputError
from alphaomega.messages import has_images, last_user_text, text_of, to_backend_messages


def test_text_of_string_and_parts():
    assert text_of("hi") == "hi"
    parts = [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}},
             {"type": "text", "text": "b"}]
    assert text_of(parts) == "a\nb"
    assert text_of(None) == ""


def test_last_user_text_skips_assistant():
    messages = [{"role": "user", "content": "first"}, {"role": "assistant", "content": "x"},
                {"role": "user", "content": [{"type": "text", "text": "second"}]},
                {"role": "assistant", "content": "y"}]
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
        ("system", "valve prompt"), ("system", "owu"), ("user", "q")]


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
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}])


def test_image_hook_fills_images():
    parts = [{"type": "text", "text": "what"}, {"type": "image_url", "image_url": {"url": "u"}}]
    out = to_backend_messages([{"role": "user", "content": parts}],
                              image_part=lambda part: "B64:" + part["image_url"]["url"])
    assert out[0].content == "what" and out[0].images == ["B64:u"]
