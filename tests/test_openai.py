from alphaomega import openai


def test_status_event_shape_open_webui_forwards():
    event = openai.status_event("Loading x…")
    assert event == {
        "event": {"type": "status", "data": {"description": "Loading x…", "done": False}}
    }
    assert openai.status_event("x", done=True, hidden=True)["event"]["data"]["hidden"] is True


def test_final_chunk_carries_usage_and_finish_reason():
    chunk = openai.final_chunk("m", chunk_id="c", usage={"prompt_tokens": 1})
    assert chunk["object"] == "chat.completion.chunk"
    assert chunk["choices"][0]["finish_reason"] == "stop"
    assert chunk["choices"][0]["delta"] == {}
    assert chunk["usage"] == {"prompt_tokens": 1}


def test_completion_shape():
    body = openai.completion("m", "hello", usage={"total_tokens": 3})
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "hello"}
    assert body["usage"]["total_tokens"] == 3
