"""Turning request bodies into jobs, with the checks and error texts Ollama's handlers have.

No I/O here: every function takes the decoded JSON body and raises HttpError as Ollama would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alphaomega.testing._sim_http import HttpError
from alphaomega.testing._sim_models import SimModel, SimRequest, normalize_model_name
from alphaomega.testing._sim_text import check_base64, content_text, count_words, parse_keep_alive
from alphaomega.testing._sim_tools import DEFAULT_NUM_CTX, truncated
from alphaomega.testing._sim_wire import NOT_FOUND


def _unmarshal(kind: str, field: str, go_type: str) -> HttpError:
    message = f"json: cannot unmarshal {kind} into Go struct field {field} of type {go_type}"
    return HttpError(400, message)


_NO_IMAGE_URLS = "image URLs are not currently supported, please use base64 encoded data instead"
_IMAGE_PREFIXES = tuple(f"data:image/{kind};base64," for kind in ("jpeg", "jpg", "png", "webp"))


@dataclass
class Job:
    """One generation to run: what model, how much prompt, how to answer."""

    model: SimModel
    label: str  # the model name as the client wrote it; Ollama echoes it back
    stream: bool
    prompt_tokens: int
    request: SimRequest
    keep_alive: float | None
    num_predict: int | None
    load_only: bool = False  # no messages / empty prompt: just load (or unload) the model
    format: Any = None  # "json" or a JSON schema: the reply is JSON


def resolve_model(models: dict[str, SimModel], name: Any) -> SimModel:
    if not isinstance(name, str) or not name.strip():
        raise HttpError(400, "model is required")
    model = models.get(normalize_model_name(name))
    if model is None:
        raise HttpError(404, NOT_FOUND.format(name))
    return model


def keep_alive_of(body: dict[str, Any]) -> float | None:
    """Simulated seconds; None when not given (the instance default), -1 for forever."""
    if body.get("keep_alive") is None:
        return None
    try:
        seconds = parse_keep_alive(body["keep_alive"])
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None
    return -1.0 if seconds is None else seconds


def _common(
    models: dict[str, SimModel], body: dict[str, Any], action: str
) -> tuple[SimModel, float | None, int | None]:
    model = resolve_model(models, body.get("model"))
    if model.embedding:
        raise HttpError(400, f"{json.dumps(body['model'])} does not support {action}")
    keep_alive = keep_alive_of(body)
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise _unmarshal("value", "Request.options", "map[string]interface {}")
    predict = options.get("num_predict")
    num_predict = predict if isinstance(predict, int) and predict > 0 else None
    return model, keep_alive, num_predict


def _images(images: Any) -> int:
    if images is None:
        return 0
    if not isinstance(images, list):
        raise _unmarshal("value", "Request.images", "[]api.ImageData")
    for image in images:
        error = check_base64(image)
        if error:
            raise HttpError(400, error)
    return len(images)


def _features(model: SimModel, body: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The tools offered and whether to think, refused as Ollama refuses them."""
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise _unmarshal("value", "ChatRequest.tools", "api.Tools")
    if tools and not model.tools:
        raise HttpError(400, f"registry.ollama.ai/library/{model.name} does not support tools")
    think = body.get("think")
    wanted = think is True or (isinstance(think, str) and think in ("low", "medium", "high"))
    if wanted and not model.thinking:
        raise HttpError(400, f"{json.dumps(body['model'])} does not support thinking")
    return tools, wanted


def chat_job(models: dict[str, SimModel], body: dict[str, Any], path: str) -> Job:
    model, keep_alive, num_predict = _common(models, body, "chat")
    messages = body.get("messages") or []
    if not isinstance(messages, list):
        raise _unmarshal("value", "ChatRequest.messages", "[]api.Message")
    tools, think = _features(model, body)
    if all(isinstance(m, dict) for m in messages):
        num_ctx = (body.get("options") or {}).get("num_ctx")
        num_ctx = num_ctx if isinstance(num_ctx, int) and num_ctx > 0 else DEFAULT_NUM_CTX
        messages = truncated(messages, num_ctx)
    images = 0
    words = 0
    last_user = ""
    for message in messages:
        if not isinstance(message, dict):
            raise _unmarshal("value", "ChatRequest.messages", "api.Message")
        content = message.get("content", "")
        if content is not None and not isinstance(content, str):
            kind = "array" if isinstance(content, list) else type(content).__name__
            raise _unmarshal(kind, "Message.messages.content", "string")
        images += _images(message.get("images"))
        words += count_words(content or "")
        if str(message.get("role", "")).lower() == "user":
            last_user = content or ""
    request = SimRequest(
        endpoint=path,
        model=model.name,
        prompt=last_user,
        messages=messages,
        images=images,
        options=body.get("options") or {},
        body=body,
        tools=tools,
        think=think,
    )
    return Job(
        model,
        body["model"],
        body.get("stream") is not False,
        words,
        request,
        keep_alive,
        num_predict,
        load_only=not messages,
        format=body.get("format"),
    )


def generate_job(models: dict[str, SimModel], body: dict[str, Any], path: str) -> Job:
    model, keep_alive, num_predict = _common(models, body, "generate")
    prompt = body.get("prompt") or ""
    system = body.get("system") or ""
    if not isinstance(prompt, str) or not isinstance(system, str):
        raise _unmarshal("value", "GenerateRequest.prompt", "string")
    images = _images(body.get("images"))
    request = SimRequest(
        endpoint=path,
        model=model.name,
        prompt=prompt,
        images=images,
        options=body.get("options") or {},
        body=body,
    )
    return Job(
        model,
        body["model"],
        body.get("stream") is not False,
        count_words(system) + count_words(prompt),
        request,
        keep_alive,
        num_predict,
        load_only=not prompt,
    )


def _openai_message(message: Any) -> tuple[str, str, int]:
    """(role, text, image count) of one OpenAI message, as Ollama's FromChatRequest reads it."""
    if not isinstance(message, dict):
        raise HttpError(400, "invalid message format")
    role = str(message.get("role", ""))
    content = message.get("content")
    if isinstance(content, str):
        return role, content, 0
    if not isinstance(content, list):
        if message.get("tool_calls") is not None:
            return role, "", 0
        kind = "<nil>" if content is None else type(content).__name__
        raise HttpError(400, f"invalid message content type: {kind}")
    images = 0
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            continue
        if kind != "image_url":
            raise HttpError(400, "invalid message format")
        url = part.get("image_url")
        url = url.get("url") if isinstance(url, dict) else url
        if not isinstance(url, str):
            raise HttpError(400, "invalid message format")
        if url.startswith(("http://", "https://")):
            raise HttpError(400, _NO_IMAGE_URLS)
        prefix = next((p for p in (*_IMAGE_PREFIXES, "data:;base64,") if url.startswith(p)), None)
        if prefix is None or check_base64(url[len(prefix) :]):
            raise HttpError(400, "invalid image input")
        images += 1
    return role, content_text(content), images


def openai_job(models: dict[str, SimModel], body: dict[str, Any], path: str) -> tuple[Job, bool]:
    """The job and whether usage goes on its own last chunk (stream_options.include_usage)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise HttpError(400, "[] is too short - 'messages'")
    parsed = [_openai_message(message) for message in messages]
    model, _, _ = _common(models, body, "chat")
    tools, _ = _features(model, {**body, "think": None})
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    last_user = next((text for role, text, _ in reversed(parsed) if role.lower() == "user"), "")
    request = SimRequest(
        endpoint=path,
        model=model.name,
        prompt=last_user,
        messages=[{"role": r, "content": t} for r, t, _ in parsed],
        images=sum(n for _, _, n in parsed),
        body=body,
        tools=tools,
    )
    options = body.get("stream_options") or {}
    job = Job(
        model,
        body["model"],
        body.get("stream") is True,
        sum(count_words(text) for _, text, _ in parsed),
        request,
        None,
        max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None,
    )
    return job, bool(isinstance(options, dict) and options.get("include_usage"))


def embed_inputs(body: dict[str, Any]) -> list[str]:
    value = body.get("input")
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    if value is None:
        return []
    raise HttpError(400, "invalid input type")
