"""HTTP through the real ASGI application, as uvicorn calls it: the scope of a request, and
the response read back from an ApplicationCommunicator."""

from __future__ import annotations


def http_scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "scheme": "http",
        "server": ("localhost", 8000),
        "client": ("127.0.0.1", 50000),
        "headers": headers,
    }


async def read_response(communicator) -> dict:
    """Status, headers and the whole body; then wait for the application to finish."""
    start = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        part = await communicator.receive_output(timeout=10)
        body += part.get("body", b"")
        if not part.get("more_body"):
            break
    await communicator.wait(timeout=5)
    return {"status": start["status"], "headers": dict(start["headers"]), "body": body}
