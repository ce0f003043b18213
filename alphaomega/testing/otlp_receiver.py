"""A local OTLP/HTTP trace receiver: what an exporter (the Langfuse SDK) sends, decoded.

Test equipment, not a Langfuse. It serves ``POST /api/public/otel/v1/traces`` (Langfuse's path)
and ``POST /v1/traces`` (the OTLP default) on 127.0.0.1, in a background thread, and keeps every
span it receives as a plain dict::

    {"trace_id": "<32 hex>", "span_id": "<16 hex>", "parent_span_id": "<16 hex>" | None,
     "name": str, "kind": int, "start_ns": int, "end_ns": int,
     "attributes": {key: str | bool | int | float | list | dict | bytes},
     "status": {"code": int, "message": str}, "events": [...],
     "resource": {key: value}, "scope": {"name": str, "version": str, "attributes": {...}}}

It takes protobuf (``application/x-protobuf``) or OTLP JSON, plain, gzip or deflate; checks
Basic auth when given keys (401 otherwise); and can be told to answer slowly
(:meth:`answer_slowly`) or with an error status (:meth:`answer_with`). :meth:`stop` then
:meth:`start` serves again on the same port, as a restarted Langfuse would.

    with OtlpReceiver(public_key="pk", secret_key="sk") as receiver:
        ...  # point the exporter at receiver.base_url
        receiver.wait_for(lambda spans: len(spans) >= 2)
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LANGFUSE_PATH = "/api/public/otel/v1/traces"
OTLP_PATH = "/v1/traces"
T = TypeVar("T")


class OtlpReceiver:
    def __init__(
        self, *, public_key: str | None = None, secret_key: str | None = None, port: int = 0
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self._expected_auth = (
            "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()
            if public_key is not None and secret_key is not None
            else None
        )
        self._changed = threading.Condition()
        self._spans: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.arrived = 0
        self.delay_s = 0.0
        self.fail_status: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._app = Starlette(
            routes=[
                Route(LANGFUSE_PATH, self._receive, methods=["POST"]),
                Route(OTLP_PATH, self._receive, methods=["POST"]),
            ]
        )

    # -- life cycle ----------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> OtlpReceiver:
        if self.running:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [listener]}, name="otlp-receiver", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                listener.close()
                raise RuntimeError(f"the OTLP receiver did not start on port {self.port}")
            time.sleep(0.01)
        self._server, self._thread, self._socket = server, thread, listener
        return self

    def stop(self, timeout: float = 10.0) -> None:
        server, thread, listener = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)
        if listener is not None:
            listener.close()

    def restart(self) -> OtlpReceiver:
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> OtlpReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.base_url + LANGFUSE_PATH

    # -- behaviour for tests -------------------------------------------------------------------

    def answer_slowly(self, seconds: float) -> None:
        """Hold every answer this long (0: answer at once)."""
        self.delay_s = seconds

    def answer_with(self, status: int | None) -> None:
        """Refuse every export with this HTTP status (``None``: accept again)."""
        self.fail_status = status

    # -- what arrived --------------------------------------------------------------------------

    @property
    def spans(self) -> list[dict[str, Any]]:
        with self._changed:
            return list(self._spans)

    def traces(self) -> dict[str, list[dict[str, Any]]]:
        """Spans by trace id, each list in start order."""
        grouped: dict[str, list[dict[str, Any]]] = {}
        for span in self.spans:
            grouped.setdefault(span["trace_id"], []).append(span)
        for spans in grouped.values():
            spans.sort(key=lambda span: (span["start_ns"], span["parent_span_id"] is not None))
        return grouped

    def clear(self) -> None:
        with self._changed:
            self._spans.clear()
            self.requests.clear()
            self.arrived = 0

    def wait_for_arrivals(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` export requests have arrived (answered or still being held)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.arrived < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self.arrived} of {count} requests within {timeout}s")
                self._changed.wait(remaining)

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], T], timeout: float = 10.0) -> T:
        """Wait until ``predicate(spans)`` is truthy and return it; ``TimeoutError`` if never."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate(list(self._spans))
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching spans within {timeout}s")
                self._changed.wait(remaining)

    # -- the endpoint --------------------------------------------------------------------------

    async def _receive(self, request: Request) -> Response:
        raw = await request.body()
        record: dict[str, Any] = {
            "path": request.url.path,
            "content_encoding": request.headers.get("content-encoding", ""),
            "content_type": request.headers.get("content-type", ""),
            "headers": {k: v for k, v in request.headers.items() if k.startswith("x-langfuse")},
            "bytes": len(raw),
            "spans": 0,
        }
        with self._changed:
            self.arrived += 1
            self._changed.notify_all()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status, spans = self._judge(request, raw)
        record["status"] = status
        record["spans"] = len(spans)
        with self._changed:
            self.requests.append(record)
            self._spans.extend(spans)
            self._changed.notify_all()
        if status != 200:
            return Response(f"refused with {status}", status_code=status)
        body = ExportTraceServiceResponse().SerializeToString()
        return Response(body, media_type="application/x-protobuf")

    def _judge(self, request: Request, raw: bytes) -> tuple[int, list[dict[str, Any]]]:
        if self._expected_auth and request.headers.get("authorization") != self._expected_auth:
            return 401, []
        if self.fail_status is not None:
            return self.fail_status, []
        encoding = request.headers.get("content-encoding", "").lower()
        try:
            if encoding == "gzip":
                raw = gzip.decompress(raw)
            elif encoding == "deflate":
                raw = zlib.decompress(raw)
            message = ExportTraceServiceRequest()
            if "json" in request.headers.get("content-type", ""):
                json_format.Parse(raw.decode("utf-8"), message)
            else:
                message.ParseFromString(raw)
        except (OSError, zlib.error, DecodeError, json_format.ParseError, UnicodeDecodeError):
            return 400, []
        return 200, decode_request(message)


def decode_request(message: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """Every span of an OTLP export request as a plain dict (see the module docstring)."""
    spans = []
    for resource_spans in message.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = {
                "name": scope_spans.scope.name,
                "version": scope_spans.scope.version,
                "attributes": _attributes(scope_spans.scope.attributes),
            }
            for span in scope_spans.spans:
                spans.append(
                    {
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "name": span.name,
                        "kind": span.kind,
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "attributes": _attributes(span.attributes),
                        "status": {"code": span.status.code, "message": span.status.message},
                        "events": [
                            {
                                "name": event.name,
                                "time_ns": event.time_unix_nano,
                                "attributes": _attributes(event.attributes),
                            }
                            for event in span.events
                        ],
                        "resource": resource,
                        "scope": scope,
                    }
                )
    return spans


def any_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind)


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: any_value(pair.value) for pair in pairs if isinstance(pair, KeyValue)}
