"""Request bodies are capped (REQUEST_BODY_MAX_BYTES, 64 KiB): larger ones get 413 in the API's
error shape, before Django reads them. Through the real ASGI application, as uvicorn calls it.
(Query page sizes are capped too: tests/queries/test_query_api.py, pageSize 101 → 400.)"""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import ApplicationCommunicator
from django.test import Client

from config.asgi import application
from orders.models import Order
from tests.asgi_http import http_scope, read_response

pytestmark = [pytest.mark.django_db(transaction=True)]

CSRF = "k" * 32


def browser_headers(cookie: str, length: int | None) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"host", b"localhost:8000"),
        (b"content-type", b"application/json"),
        (b"cookie", f"sessionid={cookie}; csrftoken={CSRF}".encode()),
        (b"x-csrftoken", CSRF.encode()),
    ]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return headers


async def post(path: str, chunks: list[bytes], cookie: str, with_length: bool = True) -> dict:
    """POST `chunks` as one body; without Content-Length it is sent like a chunked upload."""
    length = sum(len(chunk) for chunk in chunks) if with_length else None
    scope = http_scope("POST", path, browser_headers(cookie, length))
    communicator = ApplicationCommunicator(application, scope)
    for n, chunk in enumerate(chunks):
        more = n < len(chunks) - 1
        await communicator.send_input({"type": "http.request", "body": chunk, "more_body": more})
    return await read_response(communicator)


def order_body(padding: int) -> bytes:
    """A valid "place order" body, made as large as wanted with a field the server ignores."""
    return json.dumps(
        {"items": [{"productId": "widget", "quantity": 1}], "note": "x" * padding}
    ).encode()


@pytest.fixture
async def alice_cookie(alice, catalogue) -> str:
    def log_in() -> str:
        client = Client()
        client.force_login(alice)
        return client.cookies["sessionid"].value

    return await sync_to_async(log_in)()


async def test_an_oversized_command_is_413_in_the_api_error_shape(alice_cookie, settings):
    """Given a command body one byte over the limit, then it is answered 413 `too_large`,
    JSON, and nothing is written; the same command within the limit is placed."""
    limit = settings.REQUEST_BODY_MAX_BYTES
    assert limit == 64 * 1024
    small = order_body(100)
    too_big = order_body(limit - len(small) + 100 + 1)
    assert len(too_big) == limit + 1

    refused = await post("/api/orders/", [too_big], alice_cookie)
    placed = await post("/api/orders/", [small], alice_cookie)

    assert refused["status"] == 413
    assert refused["headers"][b"content-type"] == b"application/json"
    assert json.loads(refused["body"]) == {
        "error": {
            "code": "too_large",
            "message": f"The request body is larger than {limit} bytes.",
            "maxBytes": limit,
        }
    }
    assert placed["status"] == 201, placed["body"]
    assert await sync_to_async(Order.objects.count)() == 1


async def test_a_chunked_body_is_cut_off_at_the_limit(alice_cookie, settings):
    limit = settings.REQUEST_BODY_MAX_BYTES
    chunks = [b"x" * 16_384] * (limit // 16_384) + [b"x"]  # one byte too many

    refused = await post("/api/orders/", chunks, alice_cookie, with_length=False)

    assert refused["status"] == 413
    assert json.loads(refused["body"])["error"]["code"] == "too_large"


async def test_a_small_chunked_body_reaches_the_app_unchanged(alice_cookie):
    chunks = [b'{"items": [{"productId": "wid', b'get", "quantity": 2}]}']

    answer = await post("/api/orders/", chunks, alice_cookie, with_length=False)

    # Django passes a body without Content-Length on as empty: the app's own 400, not ours.
    assert answer["status"] == 400
    assert json.loads(answer["body"])["error"]["code"] == "invalid"


async def test_an_oversized_form_is_413_too(settings):
    form = b"username=" + b"a" * settings.REQUEST_BODY_MAX_BYTES

    answer = await post("/accounts/login/", [form], cookie="none")

    assert answer["status"] == 413
    assert answer["headers"][b"content-type"].startswith(b"text/plain")


def test_django_refusing_a_body_under_api_is_json_too(rf, settings):
    """Django's own refusals (RequestDataTooBig and other SuspiciousOperation, answered by
    handler400) keep the API's error shape; pages keep Django's page."""
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation

    from config.error_views import bad_request

    too_big = bad_request(rf.post("/api/orders/"), RequestDataTooBig("x"))
    suspicious = bad_request(rf.post("/api/orders/"), SuspiciousOperation("internal detail"))
    page = bad_request(rf.post("/accounts/login/"), SuspiciousOperation("internal detail"))

    assert too_big.status_code == 413
    assert json.loads(too_big.content)["error"]["code"] == "too_large"
    assert suspicious.status_code == 400
    assert json.loads(suspicious.content)["error"]["code"] == "invalid"
    assert b"internal detail" not in suspicious.content + page.content
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
