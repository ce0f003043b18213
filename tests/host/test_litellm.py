"""LiteLLM as the client of the pack's models (``openai/<model>`` with the pack's URL)."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download at import

import litellm  # noqa: E402 - the dev extra installs it; after the setting above

from tests.host.test_openai_sdk import CODE, CODER, server, sim  # noqa: E402, F401


def test_litellm_whole_and_streamed(server, sim):  # noqa: F811
    sim.queue_replies("from the pack", "streamed from the pack")
    options = {"model": f"openai/{CODE}{CODER}", "api_base": server.url + "/v1"}
    messages = [{"role": "user", "content": "hi"}]
    whole = litellm.completion(**options, api_key=server.api_key, messages=messages)
    assert whole.choices[0].message.content == "from the pack"
    chunks = list(
        litellm.completion(**options, api_key=server.api_key, messages=messages, stream=True)
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed from the pack"
