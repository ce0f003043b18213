"""What the router changes in a conversation before a text-only model gets it."""

from __future__ import annotations

from alphaomega.routing._rewrite import without_earlier_images

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}


def test_earlier_pictures_are_left_out_and_the_last_user_message_is_kept_whole():
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "look"}, IMAGE]},
        {"role": "assistant", "content": "A cat."},
        {"role": "user", "content": [IMAGE]},
        {"role": "assistant", "content": "A dog."},
        {"role": "user", "content": [{"type": "text", "text": "and this?"}, IMAGE]},
    ]
    out = without_earlier_images(messages)
    assert out[0]["content"] == [{"type": "text", "text": "look"}]
    assert out[2]["content"] == ""
    assert out[4] is messages[4]
    assert out[1] is messages[1]
    assert messages[0]["content"][1] is IMAGE  # the caller's messages are not changed
