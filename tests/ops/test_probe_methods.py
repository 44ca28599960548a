"""/healthz and /metrics are GET only, and say so to anyone: 405 with `Allow: GET`.

Found by the schema fuzz test (tests/schema/test_fuzz_api.py): without a session, an unsafe
method got Django's HTML CSRF page (403) instead, as the probes were not exempt from a CSRF
check that protects nothing there (they change nothing and accept GET only).
"""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_a_probe_answers_other_methods_with_405(path, method):
    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET"
