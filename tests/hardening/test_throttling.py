"""Rate limits: commands and queries per user (429 `throttled` with Retry-After), and failed
logins per username and per client address (refused without checking the password)."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from config import login_throttle
from orders.models import Order
from orders.throttling import CommandRateThrottle
from readmodels.queries.throttling import QueryRateThrottle

pytestmark = [pytest.mark.django_db]


# ---- commands ------------------------------------------------------------------------------


@pytest.fixture
def frozen_clock(monkeypatch):
    """Every throttle decision happens at the same instant, however slow the machine is."""
    now = time.time()
    clock = {"now": now}
    monkeypatch.setattr(CommandRateThrottle, "timer", lambda self: clock["now"])
    return clock


def forget_commands_of(user) -> None:
    cache.delete(CommandRateThrottle.cache_format % {"scope": "commands", "ident": user.pk})


def confirm_unknown_order(client: APIClient):
    """A command that is cheap to refuse (404), but counts like any other."""
    return client.post(f"/api/orders/{uuid.uuid4()}/confirm", {}, format="json")


def test_the_31st_command_in_a_second_is_throttled(
    alice, alice_client, bob_client, catalogue, frozen_clock
):
    """Given the default limit of 30 commands per second per user, when alice sends 31 in one
    second, then the 31st is refused with 429 `throttled` and Retry-After, and not executed;
    bob is not affected; a second later alice may send again."""
    forget_commands_of(alice)
    assert CommandRateThrottle().get_rate() == "30/second"

    answers = [confirm_unknown_order(alice_client).status_code for _ in range(30)]
    refused = alice_client.post(
        "/api/orders/", {"items": [{"productId": "widget", "quantity": 1}]}, format="json"
    )

    assert answers == [404] * 30
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"]
    assert Order.objects.count() == 0
    assert confirm_unknown_order(bob_client).status_code == 404

    frozen_clock["now"] += 1.01
    assert confirm_unknown_order(alice_client).status_code == 404


def test_the_command_rate_is_a_setting(alice, alice_client, frozen_clock, settings):
    forget_commands_of(alice)
    settings.COMMAND_RATE_LIMIT = "2/minute"

    answers = [confirm_unknown_order(alice_client).status_code for _ in range(3)]

    assert answers == [404, 404, 429]


def test_queries_are_not_counted_as_commands(alice, alice_client, frozen_clock, settings):
    forget_commands_of(alice)
    settings.COMMAND_RATE_LIMIT = "1/minute"

    assert alice_client.get("/api/products/").status_code == 200
    assert alice_client.get("/api/products/").status_code == 200
    assert confirm_unknown_order(alice_client).status_code == 404


def test_concurrent_commands_never_pass_the_limit_together(alice, settings):
    """Given a limit of 10 a minute, when 30 requests of one user are decided at the same
    moment (as in several web processes), then exactly 10 pass: the count and the decision are
    one atomic step in Redis, not a read followed by a write."""
    forget_commands_of(alice)
    settings.COMMAND_RATE_LIMIT = "10/minute"
    start = threading.Barrier(30)
    request = SimpleNamespace(user=alice)

    def decide() -> bool:
        throttle = CommandRateThrottle()
        start.wait()
        return throttle.allow_request(request, None)

    with ThreadPoolExecutor(max_workers=30) as pool:
        verdicts = list(pool.map(lambda _: decide(), range(30)))

    assert verdicts.count(True) == 10


def test_commands_pass_unthrottled_while_redis_is_unreachable(alice, settings, caplog):
    """A rate limit guards the service; it is not a reason to refuse every command while Redis
    restarts. The skipped check is logged."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.COMMAND_RATE_LIMIT = "1/minute"
    request = SimpleNamespace(user=alice)

    verdicts = [CommandRateThrottle().allow_request(request, None) for _ in range(3)]

    assert verdicts == [True, True, True]
    assert "Redis unavailable" in caplog.text


# ---- queries -------------------------------------------------------------------------------

QUERY_DEFAULT = "20/second"  # config/settings.py; the suite's environment lifts it


@pytest.fixture
def frozen_query_clock(monkeypatch):
    now = time.time()
    clock = {"now": now}
    monkeypatch.setattr(QueryRateThrottle, "timer", lambda self: clock["now"])
    return clock


def forget_queries_of(user) -> None:
    cache.delete(QueryRateThrottle.cache_format % {"scope": "queries", "ident": user.pk})


def test_the_21st_query_in_a_second_is_throttled(
    alice, alice_client, bob_client, catalogue, frozen_query_clock, settings
):
    """Given the default limit of 20 queries per second per user, when alice sends 21 in one
    second (list, one order, analytics alike), then the 21st is refused with 429 `throttled`
    and Retry-After; bob is not affected; a second later alice may query again; commands
    are not counted as queries."""
    settings.QUERY_RATE_LIMIT = QUERY_DEFAULT
    forget_queries_of(alice)
    paths = ["/api/orders/", f"/api/orders/{uuid.uuid4()}/", "/api/analytics/"]

    answers = [alice_client.get(paths[i % 3]).status_code for i in range(20)]
    refused = alice_client.get("/api/orders/")

    assert answers == [200, 404, 200] * 6 + [200, 404]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert refused.json()["error"]["code"] == "throttled"
    assert bob_client.get("/api/orders/").status_code == 200
    assert confirm_unknown_order(alice_client).status_code == 404  # a command: not a query

    frozen_query_clock["now"] += 1.01
    assert alice_client.get("/api/orders/").status_code == 200


def test_the_query_rate_is_a_setting(alice, alice_client, frozen_query_clock, settings):
    forget_queries_of(alice)
    settings.QUERY_RATE_LIMIT = "2/minute"

    answers = [alice_client.get("/api/analytics/").status_code for _ in range(3)]

    assert answers == [200, 200, 429]


# ---- logins --------------------------------------------------------------------------------


@pytest.fixture
def guessing(django_user_model, password):
    """A user targeted by password guessing, from test-only client addresses; their failure
    counts are forgotten afterwards (they live in Redis, not in the test database)."""
    user = django_user_model.objects.create_user(
        username=f"target-{uuid.uuid4().hex[:8]}", password=password, is_staff=True
    )
    addresses = ["203.0.113.7", "203.0.113.8", "198.51.100.9"]
    yield user
    login_throttle.forget_failures(username=user.username)
    for address in addresses:
        login_throttle.forget_failures(address=address)


def log_in(username: str, password: str, address: str = "203.0.113.7", path="/accounts/login/"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password})
    return response, client


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_after_five_failures_even_the_right_password_is_refused(guessing, password):
    """Given five wrong passwords for one username, when the sixth attempt has the right
    password, then it is refused with 429 and a clear message, without checking it."""
    for _ in range(5):
        response, _ = log_in(guessing.username, "wrong guess")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()

    response, client = log_in(guessing.username, password)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 900
    assert "Too many failed login attempts" in response.content.decode()
    assert not logged_in(client)
    # ...from another address too (the count is per username), and at the admin's login
    response, client = log_in(guessing.username, password, address="198.51.100.9")
    assert response.status_code == 429 and not logged_in(client)
    response, client = log_in(guessing.username, password, path="/admin/login/")
    assert "Too many failed login attempts" in response.content.decode()
    assert not logged_in(client)


def test_a_successful_login_clears_the_username_count(guessing, password):
    for _ in range(4):
        log_in(guessing.username, "wrong guess")
    response, client = log_in(guessing.username, password)
    assert response.status_code == 302 and logged_in(client)

    for _ in range(4):
        log_in(guessing.username, "wrong guess")
    response, client = log_in(guessing.username, password)

    assert response.status_code == 302 and logged_in(client)


def test_one_address_guessing_at_many_usernames_is_stopped(guessing, password, settings):
    """Given 20 failures from one address (each at a different username), then that address
    may not try any username, while other addresses still can."""
    for n in range(settings.LOGIN_FAILURES_PER_IP):
        log_in(f"nobody-{n}", "wrong guess", address="203.0.113.8")

    response, client = log_in(guessing.username, password, address="203.0.113.8")
    assert response.status_code == 429 and not logged_in(client)

    response, client = log_in(guessing.username, password, address="203.0.113.7")
    assert response.status_code == 302 and logged_in(client)
    for n in range(settings.LOGIN_FAILURES_PER_IP):
        login_throttle.forget_failures(username=f"nobody-{n}")
