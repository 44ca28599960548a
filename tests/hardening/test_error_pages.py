"""No debug page or traceback ever leaves the server: an unexpected exception is answered with
a generic 500 (JSON under /api/), whose body says nothing about the exception."""

import pytest
from django.test import Client

from .failing_urls import SECRET_DETAIL

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def client(alice, settings) -> Client:
    """Production (DEBUG false), the site's URLs plus failing ones, and a logged-in browser."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.hardening.failing_urls"
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@pytest.mark.parametrize("path", ["/api/test-only/failing-view", "/api/test-only/failing-api"])
def test_an_unexpected_api_error_is_a_generic_json_500(client, path):
    """Given production (DEBUG false), when an API view raises an unexpected exception, then
    the answer is 500 in the API's error shape, without the exception's text or a traceback."""
    response = client.get(path)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side."}
    }
    body = response.content.decode()
    assert SECRET_DETAIL not in body
    assert "Traceback" not in body and "RuntimeError" not in body


def test_an_unexpected_page_error_is_a_plain_500_page(client):
    response = client.get("/test-only/failing-page")

    assert response.status_code == 500
    body = response.content.decode()
    assert SECRET_DETAIL not in body
    assert "Traceback" not in body and "RuntimeError" not in body
