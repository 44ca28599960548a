"""The UI works under the Content-Security-Policy, in headless Chromium against the live
server: the app (its push WebSocket included), the admin and the API docs run without a
single policy violation (Chromium reports each one as a console error)."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.live_system import LiveSystem
from tests.e2e.pages import Tab, expect_live_updates, watch_console

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def policy_of(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_the_app_runs_under_the_policy(live, browsers, alice):
    """Given alice in the app, the page is served with the strict policy, its push socket
    opens ("Live updates on"), and nothing is refused."""
    tab = browsers.logged_in(alice, "/")
    page = tab.page

    response = page.reload()
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    expect_live_updates(page)
    page.goto("/orders/new")
    expect(page.get_by_role("heading", name=re.compile("order", re.I)).first).to_be_visible()
    tab.assert_no_console_errors()


@pytest.fixture
def self_only_server(live, tmp_path, monkeypatch) -> Iterator[str]:
    """Another web server on the test database, whose policy has connect-src 'self' alone."""
    monkeypatch.setenv("CSP_WEBSOCKET_SOURCE", "false")
    server = LiveSystem(tmp_path)
    try:
        yield server.start_web()
    finally:
        server.stop_all()


def test_self_alone_lets_chromium_open_the_push_socket(self_only_server, browsers, alice):
    """CSP Level 3: 'self' matches ws:// and wss:// of the page's own host. With connect-src
    'self' only (no explicit ws:// source), Chromium still opens the push socket."""
    tab = browsers.logged_in(alice, "/")  # on the usual server: the session works on both
    page = tab.page

    response = page.goto(f"{self_only_server}/")

    assert policy_of(response)["connect-src"] == ["'self'"]
    expect_live_updates(page)
    tab.assert_no_console_errors()


def admin_tab(browsers, staff_user) -> Tab:
    """A tab logged into the admin through its own login form."""
    tab = watch_console(browsers.context().new_page())
    page = tab.page
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Username").fill(staff_user.username)
    page.get_by_label("Password").fill(browsers.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return tab


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    assert "content-security-policy" in response.headers
    page.wait_for_load_state("networkidle")


def test_the_admin_runs_under_the_policy(live, browsers, django_user_model, alice, place_order_as):
    """The admin's pages, scripts included (changelist filters, actions), break no rule."""
    staff = django_user_model.objects.create_superuser(
        username="root", password=browsers.password, first_name="Root"
    )
    order_id = place_order_as(alice).order.order_id
    tab = admin_tab(browsers, staff)
    page = tab.page

    for path in (
        "/admin/",
        "/admin/orders/order/",
        f"/admin/orders/order/{order_id}/change/",
        "/admin/orders/event/",
        "/admin/readmodels/deadletter/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
    ):
        visit(page, path)
    page.goto("/admin/auth/user/")
    page.locator("#action-toggle").check()  # actions.js runs
    expect(page.locator(".action-counter")).to_contain_text("2 of 2 selected")
    tab.assert_no_console_errors()


def test_the_api_docs_run_under_the_policy(live, browsers, alice):
    tab = browsers.logged_in(alice, "/")
    page = tab.page

    visit(page, "/api/docs/")

    expect(page.locator(".swagger-ui .information-container")).to_be_visible()
    tab.assert_no_console_errors()
