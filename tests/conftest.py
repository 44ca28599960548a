"""Shared fixtures: people, a small catalogue, API clients and write-side helpers.

Grouped by topic; extend a group rather than adding a new helper module for one fixture.
All fixtures here work in both plain `db` tests and `transaction=True` tests.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from rest_framework.test import APIClient

from orders import services
from orders.domain.commands import ConfirmOrder, PlaceOrder, RequestedItem
from orders.models import Event, IdempotencyKey, OrderItem, OutboxMessage, Product
from orders.models import Order as OrderRow

PASSWORD = "correct-horse-battery"


# ---- the test database -----------------------------------------------------------------


def pytest_collection_modifyitems(items):
    """With a read database (READ_DATABASE_URL), every database test uses both databases:
    pytest-django then creates the read one's test database too, and lets tests reach it."""
    if "read" not in settings.DATABASES:
        return
    for item in items:
        marker = item.get_closest_marker("django_db")
        uses_db = {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        if marker is None and not uses_db:
            continue
        kwargs = dict(marker.kwargs) if marker else {}
        if marker and marker.args:  # django_db(True) means transaction=True
            kwargs.setdefault("transaction", marker.args[0])
        kwargs["databases"] = ["default", "read"]
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, plus a clean end: worker subprocesses and async helper
    threads may still hold a connection to it when the run ends; end them so that
    pytest-django can drop it. (Only tests that use the database set it up: tests/unit runs
    with no PostgreSQL at all.)"""
    yield
    for alias in settings.DATABASES:
        with django_db_blocker.unblock(), connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


# ---- people -------------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    """Every test user's password, for tests that log in through the login form."""
    return PASSWORD


@pytest.fixture
def alice(django_user_model):
    """A customer (not staff)."""
    return django_user_model.objects.create_user(
        username="alice", password=PASSWORD, first_name="Alice", last_name="Archer"
    )


@pytest.fixture
def bob(django_user_model):
    """Another customer, who must never see or command alice's orders."""
    return django_user_model.objects.create_user(
        username="bob", password=PASSWORD, first_name="Bob", last_name="Baker"
    )


@pytest.fixture
def staff_user(django_user_model):
    """Staff see and command every order."""
    return django_user_model.objects.create_user(
        username="sam", password=PASSWORD, first_name="Sam", last_name="Staff", is_staff=True
    )


# ---- catalogue ----------------------------------------------------------------------------

CATALOGUE = {
    # product_id: (name, unit price, active)
    "widget": ("Widget", Decimal("19.90"), True),
    "gadget": ("Gadget", Decimal("5.25"), True),
    "gizmo": ("Gizmo", Decimal("100.00"), True),
    "retired": ("Retired thing", Decimal("1.00"), False),
}


@pytest.fixture
def catalogue(db) -> dict[str, Product]:
    """Three active products and one withdrawn one ("retired"), keyed by product id."""
    return {
        product_id: Product.objects.create(
            product_id=product_id, name=name, unit_price=price, active=active
        )
        for product_id, (name, price, active) in CATALOGUE.items()
    }


# ---- API clients --------------------------------------------------------------------------


def logged_in_client(user) -> APIClient:
    """A session-authenticated client (CSRF not enforced; see the CSRF tests for that)."""
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def alice_client(alice) -> APIClient:
    return logged_in_client(alice)


@pytest.fixture
def bob_client(bob) -> APIClient:
    return logged_in_client(bob)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return logged_in_client(staff_user)


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """A factory of fresh logged-in clients, e.g. one per thread in concurrency tests."""
    return logged_in_client


# ---- write-side helpers -------------------------------------------------------------------


@pytest.fixture
def place_order_as(catalogue) -> Callable[..., services.CommandResult]:
    """place_order_as(user, items={"widget": 3, "gadget": 2}) places an order via the service."""

    def place(user, items: dict[str, int] | None = None) -> services.CommandResult:
        items = items or {"widget": 3, "gadget": 2}
        command = PlaceOrder(
            items=tuple(RequestedItem(product_id=p, quantity=q) for p, q in items.items())
        )
        return services.place_order(command=command, actor=user)

    return place


@pytest.fixture
def confirm_order_as() -> Callable[..., services.CommandResult]:
    """confirm_order_as(user, order_id) confirms an order via the service."""

    def confirm(user, order_id) -> services.CommandResult:
        return services.confirm_order(command=ConfirmOrder(order_id=order_id), actor=user)

    return confirm


@pytest.fixture
def alice_order(alice, place_order_as) -> services.CommandResult:
    """A pending order of alice: 3 × widget (19.90) + 2 × gadget (5.25) = 70.20, at seq 1."""
    return place_order_as(alice)


@pytest.fixture
def outbox_for_every_read_model(settings):
    """Pin the default synchronisation strategy (outbox) for every read model, for tests that
    count outbox rows, whatever READ_MODEL_STRATEGIES the environment sets."""
    settings.READ_MODEL_STRATEGIES = {}


@pytest.fixture
def write_model_counts() -> Callable[[], dict[str, int]]:
    """Snapshot of how many rows each write-side table holds, to prove nothing was written."""

    def counts() -> dict[str, int]:
        return {
            "orders": OrderRow.objects.count(),
            "order_items": OrderItem.objects.count(),
            "events": Event.objects.count(),
            "outbox": OutboxMessage.objects.count(),
        }

    return counts


@pytest.fixture
def idempotency_key_count() -> Callable[[], int]:
    return IdempotencyKey.objects.count


# ---- concurrency --------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadOutcome:
    result: Any = None
    error: BaseException | None = None


def run_together(count: int, work: Callable[[int], Any], timeout: float = 60) -> list:
    """Run work(0) … work(count - 1) on `count` threads released at the same instant.

    Each thread gets its own database connection (Django's are per thread) and closes it at
    the end. Returns one ThreadOutcome per thread, in index order.
    Precondition: a `transaction=True` test, so that threads see the committed fixtures.
    """
    barrier = threading.Barrier(count)
    outcomes: list[ThreadOutcome | None] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = ThreadOutcome(result=work(index))
        except BaseException as error:  # reported to the test, which asserts on it
            outcomes[index] = ThreadOutcome(error=error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish in time"
    return outcomes


@pytest.fixture
def run_concurrently() -> Callable[..., list[ThreadOutcome]]:
    """run_concurrently(20, work) → [ThreadOutcome(result=…, error=…)] (see run_together)."""
    return run_together
