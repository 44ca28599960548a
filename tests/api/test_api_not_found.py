"""An /api/ URL that no route takes is answered in the API's error shape, DEBUG or not.

Found by the schema fuzz test (tests/schema/test_fuzz_api.py): under DEBUG (the development
server, and the test server) Django answered `GET /api/orders/null,null/` with its HTML debug
page, and a POST to an unknown /api/ URL with a 500 from APPEND_SLASH.
"""

import pytest

pytestmark = [pytest.mark.django_db]

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found."}}


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/orders/null,null/"),
        ("post", "/api/orders/not-an-id/confirm"),
        ("get", "/api/no-such-thing"),
        ("post", "/api/analytics"),  # no trailing slash: no APPEND_SLASH redirect for a POST
    ],
)
def test_an_unknown_api_url_is_a_json_404(alice_client, settings, debug, method, path):
    settings.DEBUG = debug

    response = getattr(alice_client, method)(path, {}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


def test_pages_outside_the_api_keep_django_s_404(alice_client):
    response = alice_client.get("/no-such-page")

    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]
