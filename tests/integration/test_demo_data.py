"""The demo data that `make run` loads: safe to load twice, varied, and written like real
orders (through the command services, so every change has its event and outbox rows)."""

from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from orders.domain.status import OrderStatus
from orders.models import Event, Order, OutboxMessage, Product

pytestmark = pytest.mark.django_db


def load_demo_data(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "products": Product.objects.count(),
        "orders": Order.objects.count(),
        "events": Event.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def test_loading_twice_creates_nothing_new():
    # given the demo data loaded once
    load_demo_data()
    first = counts()

    # when it is loaded again
    output = load_demo_data()

    # then nothing was added
    assert counts() == first
    assert (first["users"], first["products"], first["orders"]) == (3, 8, 36)
    assert "(0 new)" in output


def test_orders_option_tops_up_to_the_requested_count():
    # given a small demo
    load_demo_data("--orders", "10")

    # when a larger one is asked for, twice
    load_demo_data("--orders", "12")
    load_demo_data("--orders", "12")

    # then the demo customers have exactly that many orders
    assert Order.objects.count() == 12


def test_orders_cover_every_status_and_both_customers():
    # when the demo data is loaded
    load_demo_data()

    # then every status and both customers appear
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus)
    assert set(Order.objects.values_list("customer__username", flat=True)) == {"alice", "bob"}


def test_every_order_has_one_event_per_version_and_outbox_rows_for_each():
    # when the demo data is loaded
    load_demo_data()

    # then each order's history is complete: events 1..version, each with its outbox rows
    for order in Order.objects.all():
        seqs = list(Event.objects.filter(order_id=order.id).order_by("seq").values_list("seq"))
        assert [seq for (seq,) in seqs] == list(range(1, order.version + 1)), order
    owed_to = defaultdict(set)
    for event_id, read_model in OutboxMessage.objects.values_list("event_id", "read_model"):
        owed_to[event_id].add(read_model)
    assert set(owed_to) == set(Event.objects.values_list("position", flat=True))
    assert len({frozenset(models) for models in owed_to.values()}) == 1, "same read models"


def test_demo_logins_work_and_only_staff_is_staff():
    # when the demo data is loaded
    load_demo_data()

    # then the documented logins authenticate, with the documented powers
    alice = authenticate(username="alice", password="alice-demo-pass")
    bob = authenticate(username="bob", password="bob-demo-pass")
    staff = authenticate(username="staff", password="staff-demo-pass")
    assert alice and bob and staff
    assert (alice.get_full_name(), bob.get_full_name()) == ("Alice Anderson", "Bob Brennan")
    assert not (alice.is_staff or bob.is_staff)
    assert staff.is_staff and staff.is_superuser
