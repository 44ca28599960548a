"""A cap on HTTP request bodies, in front of Django: 413 once a body exceeds
settings.REQUEST_BODY_MAX_BYTES.

uvicorn accepts bodies of any size, and Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not protect
the API: Django's ASGI handler first reads the whole body (spooling to disk), and DRF's JSON
parser then reads that stream whole into memory without consulting the setting. So the limit
is enforced here, at the ASGI edge, before anything is buffered:

- a Content-Length above the limit is answered at once, without reading the body;
- a body without Content-Length (chunked) is read up to the limit, then either answered with
  413 or handed on to Django unchanged.

API paths get the API's error shape, {"error": {"code": "too_large", ...}}; other paths
(forms) a short plain-text answer.
"""

from __future__ import annotations

import json

from django.conf import settings


class RequestBodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.REQUEST_BODY_MAX_BYTES
        length = _content_length(scope)
        if length is not None and length > limit:
            return await _too_large(scope, send, limit)
        if length is None:
            received = []
            size = 0
            while True:
                message = await receive()
                received.append(message)
                if message["type"] != "http.request":
                    break  # the client went away: let the app see it
                size += len(message.get("body", b""))
                if size > limit:
                    return await _too_large(scope, send, limit)
                if not message.get("more_body", False):
                    break
            receive = _replay(received, receive)
        return await self.app(scope, receive, send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we are called
    return None


def _replay(messages: list[dict], receive):
    pending = list(messages)

    async def replayed():
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _too_large(scope, send, limit: int) -> None:
    message = f"The request body is larger than {limit} bytes."
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps(
            {"error": {"code": "too_large", "message": message, "maxBytes": limit}}
        ).encode()
        content_type = b"application/json"
    else:
        body = message.encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
