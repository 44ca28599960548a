"""Every answer carries the security headers, and a Content-Security-Policy without inline
script or style: the browser test (browser/test_csp_browser.py) shows the UI works under it."""

from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db]


def policy_of(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.fixture
def staff_browser(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("path", ["/", "/admin/", "/api/products/", "/accounts/login/"])
def test_pages_and_api_answers_carry_a_strict_policy(staff_browser, path):
    response = staff_browser.get(path, HTTP_HOST="localhost:8000")

    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'", "ws://localhost:8000"]  # the push socket
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_over_https_the_push_socket_source_is_wss(staff_browser):
    response = staff_browser.get("/", HTTP_HOST="localhost:8000", secure=True)

    assert policy_of(response)["connect-src"] == ["'self'", "wss://localhost:8000"]


def test_a_path_exception_adds_sources_to_that_path_only(staff_browser, settings):
    settings.CONTENT_SECURITY_POLICY_EXCEPTIONS = {
        "/admin/": {"img-src": ["https://img.example"], "worker-src": ["blob:"]}
    }

    admin = policy_of(staff_browser.get("/admin/"))
    app = policy_of(staff_browser.get("/"))

    assert admin["img-src"] == ["'self'", "data:", "https://img.example"]
    assert admin["worker-src"] == ["'self'", "blob:"]  # default-src's sources, plus blob:
    assert app["img-src"] == ["'self'", "data:"]
    assert "worker-src" not in app


class InlineCode(HTMLParser):
    """Finds what the policy blocks: inline scripts, <style> elements, style attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        data_types = ("application/json", "application/ld+json")  # not run: not blocked
        if tag == "script" and "src" not in attributes and attributes.get("type") not in data_types:
            self.found.append(self.get_starttag_text())
        if tag == "style":
            self.found.append("<style>")
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.found.append(self.get_starttag_text())


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",  # base.html, with the logged-in header
        "/admin/",
        "/admin/orders/order/",
        "/admin/readmodels/deadletter/",
        "/api/docs/",
    ],
)
def test_pages_have_no_inline_script_or_style(django_user_model, path):
    """The policy forbids them, so anything inline would silently not work."""
    superuser = django_user_model.objects.create_superuser(username="root", password="x" * 12)
    client = Client()
    client.force_login(superuser)

    response = client.get(path)

    assert response.status_code == 200
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert parser.found == []
