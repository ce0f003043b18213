"""The valves the pack's chat models share, and where the models reach them."""

import pytest
from pydantic import BaseModel, ValidationError

from alphaomega import chat, chat_settings, pipes


def test_pipes_still_offers_the_shared_valves_under_their_old_names():
    for name in chat_settings.__all__:
        assert getattr(pipes, name) is getattr(chat_settings, name)
        assert name in pipes.__all__


def test_each_model_gets_its_own_field_with_the_shared_default_and_bound():
    class One(BaseModel):
        stall_timeout_s: float = chat_settings.stall_timeout_field()
        max_num_ctx: int = chat_settings.max_num_ctx_field()

    class Two(BaseModel):
        stall_timeout_s: float = chat_settings.stall_timeout_field()

    one, two = One.model_fields["stall_timeout_s"], Two.model_fields["stall_timeout_s"]
    assert one is not two and one.description == two.description
    assert One().stall_timeout_s == chat.STALL_TIMEOUT_S
    assert One().max_num_ctx == chat_settings.DEFAULT_MAX_NUM_CTX
    assert "stall_timeout_s" in One.model_json_schema()["properties"]
    with pytest.raises(ValidationError):
        One(stall_timeout_s=0)


def test_the_code_settings_hand_the_model_every_reply_option():
    settings = chat_settings.CodeSettings(think=True, num_ctx=4096)
    options = settings.reply_options()
    assert options["think"] is True and options["num_ctx"] == 4096
    assert options["system_prompt"] == chat_settings.CODE_SYSTEM_PROMPT
