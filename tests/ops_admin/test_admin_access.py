"""The staff admin: every page loads for staff with its data, customers never get in, and the
write model (and the pipeline's records) cannot be added, changed or deleted from it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Event, IdempotencyKey, OutboxMessage
from orders.models import Order as OrderRow
from readmodels.models import DeadLetter, ReadModelState

pytestmark = pytest.mark.django_db

MODELS = [
    ("orders", "order"),
    ("orders", "event"),
    ("orders", "outboxmessage"),
    ("orders", "idempotencykey"),
    ("readmodels", "deadletter"),
    ("readmodels", "readmodelstate"),
]
MODEL_IDS = [name for _, name in MODELS]


@pytest.fixture
def one_of_each(alice, alice_order, dead_letter_for):
    """One row of every model the admin shows, and text that identifies it on its pages:
    {model name: (row, text on the changelist, text on the change page)}."""
    order = OrderRow.objects.get(pk=alice_order.order.order_id)
    event = Event.objects.get(order_id=order.pk)
    outbox = OutboxMessage.objects.get(event=event, read_model="order_search")
    key = IdempotencyKey.objects.create(
        user=alice,
        key="retry-me-123",
        fingerprint="f" * 64,
        state=IdempotencyKey.State.COMPLETED,
        response_status=201,
        response_body={"answer": "first-response-body"},
        expires_at=timezone.now() + timedelta(hours=24),
    )
    dead = dead_letter_for("order_details")
    state = ReadModelState.objects.get(name="order_details")
    return {
        "order": (order, str(order.pk), str(event.event_id)),
        "event": (event, str(order.pk), "Widget"),  # the event's data lists the items
        "outboxmessage": (outbox, str(order.pk), "order_search"),
        "idempotencykey": (key, "retry-me-123", "first-response-body"),
        "deadletter": (dead, str(dead.order_id), "InjectedFault"),
        "readmodelstate": (state, "order_details", "order_details"),
    }


def changelist_url(app: str, model: str) -> str:
    return reverse(f"admin:{app}_{model}_changelist")


def change_url(app: str, model: str, pk) -> str:
    return reverse(f"admin:{app}_{model}_change", args=[pk])


def test_admin_index_is_the_orders_pipeline_site_for_staff(staff_browser):
    response = staff_browser.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Orders pipeline" in response.content.decode()
    for app, model in MODELS:
        assert changelist_url(app, model) in response.content.decode()


@pytest.mark.parametrize(("app", "model"), MODELS, ids=MODEL_IDS)
def test_staff_see_the_changelist_with_its_rows(staff_browser, one_of_each, app, model):
    # Given one row of this model (fixture); when staff open its changelist
    response = staff_browser.get(changelist_url(app, model))

    # Then it loads and shows that row
    assert response.status_code == 200
    _, listed, _ = one_of_each[model]
    assert listed in response.content.decode()


@pytest.mark.parametrize(("app", "model"), MODELS, ids=MODEL_IDS)
def test_staff_see_the_change_page_with_its_data(staff_browser, one_of_each, app, model):
    row, _, detail = one_of_each[model]

    response = staff_browser.get(change_url(app, model, row.pk))

    assert response.status_code == 200
    assert detail in response.content.decode()


def test_order_page_lists_its_event_history_in_sequence_order(
    staff_browser, alice, alice_order, confirm_order_as
):
    # Given alice's order, placed (seq 1) then confirmed (seq 2)
    order_id = alice_order.order.order_id
    confirm_order_as(alice, order_id)

    # When staff open the order
    page = staff_browser.get(change_url("orders", "order", order_id)).content.decode()

    # Then both events are listed, in seq order, with their outbox rows' states
    placed, confirmed = Event.objects.filter(order_id=order_id).order_by("seq")
    assert page.index(str(placed.event_id)) < page.index(str(confirmed.event_id))
    assert "OrderPlaced" in page and "OrderConfirmed" in page
    assert "order_summaries: pending" in page


def test_event_log_is_searchable_by_order_id_and_filterable_by_type(
    staff_browser, alice, alice_order, place_order_as, confirm_order_as
):
    # Given alice's confirmed order and another, unconfirmed one
    mine = alice_order.order.order_id
    confirm_order_as(alice, mine)
    other = place_order_as(alice).order.order_id
    url = changelist_url("orders", "event")

    # When staff search by one order's id, or filter by event type
    by_order = staff_browser.get(url, {"q": str(mine)}).context["cl"].result_list
    by_type = staff_browser.get(url, {"event_type": "OrderConfirmed"}).context["cl"].result_list
    by_event_id = staff_browser.get(url, {"q": str(by_order[0].event_id)}).context["cl"]
    by_id_prefix = staff_browser.get(url, {"q": str(mine)[:13]}).context["cl"].result_list

    # Then they get that order's events, or that type's
    assert sorted((e.order_id, e.seq) for e in by_order) == [(mine, 1), (mine, 2)]
    assert [(e.order_id, e.event_type) for e in by_type] == [(mine, "OrderConfirmed")]
    assert [e.pk for e in by_event_id.result_list] == [by_order[0].pk]
    assert other not in {e.order_id for e in by_order}
    assert {e.order_id for e in by_id_prefix} == {mine}  # part of an id: a substring search


def test_outbox_is_filterable_by_state_and_read_model_and_searchable_by_order(
    staff_browser, alice, alice_order, place_order_as
):
    place_order_as(alice)
    url = changelist_url("orders", "outboxmessage")

    pending = staff_browser.get(url, {"state": "pending", "read_model": "order_search"})
    done = staff_browser.get(url, {"state": "done"})
    mine = staff_browser.get(url, {"q": str(alice_order.order.order_id)})

    assert len(pending.context["cl"].result_list) == 2
    assert {m.read_model for m in pending.context["cl"].result_list} == {"order_search"}
    assert list(done.context["cl"].result_list) == []
    assert {m.event.order_id for m in mine.context["cl"].result_list} == {
        alice_order.order.order_id
    }
    assert len(mine.context["cl"].result_list) == 4  # one per read model


def test_idempotency_keys_are_searchable_by_user(staff_browser, one_of_each, bob):
    url = changelist_url("orders", "idempotencykey")

    alices = staff_browser.get(url, {"q": "alice"}).context["cl"].result_list
    bobs = staff_browser.get(url, {"q": "bob"}).context["cl"].result_list

    assert [k.key for k in alices] == ["retry-me-123"]
    assert list(bobs) == []


# ---- customers ----------------------------------------------------------------------------


def assert_sent_to_admin_login(response, url: str) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login")), response["Location"]
    assert url in response["Location"]  # ?next=…


@pytest.mark.parametrize(("app", "model"), MODELS, ids=MODEL_IDS)
def test_customers_are_sent_to_the_admin_login(customer_browser, one_of_each, app, model):
    row, _, _ = one_of_each[model]

    for url in (changelist_url(app, model), change_url(app, model, row.pk)):
        assert_sent_to_admin_login(customer_browser.get(url), url)


def test_customers_get_no_admin_index(customer_browser, client):
    url = reverse("admin:index")

    assert_sent_to_admin_login(customer_browser.get(url), url)
    assert_sent_to_admin_login(client.get(url), url)  # nor does anyone logged out


# ---- read-only ----------------------------------------------------------------------------


@pytest.mark.parametrize(("app", "model"), MODELS, ids=MODEL_IDS)
def test_nothing_can_be_added_or_deleted(staff_browser, one_of_each, app, model):
    row, _, _ = one_of_each[model]

    add = staff_browser.get(reverse(f"admin:{app}_{model}_add"))
    delete = staff_browser.post(reverse(f"admin:{app}_{model}_delete", args=[row.pk]))
    changelist = staff_browser.get(changelist_url(app, model))

    assert add.status_code == 403
    assert delete.status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()
    assert reverse(f"admin:{app}_{model}_add") not in changelist.content.decode()
    assert "delete_selected" not in changelist.content.decode()


def test_an_order_cannot_be_changed_from_the_admin(staff_browser, alice_order):
    # Given a pending order at seq 1
    order_id = alice_order.order.order_id
    url = change_url("orders", "order", order_id)

    # When staff post a changed order to its change form
    response = staff_browser.post(url, {"status": "delivered", "version": "9", "_save": "Save"})

    # Then it is refused and nothing changed
    assert response.status_code == 403
    order = OrderRow.objects.get(pk=order_id)
    assert (order.status, order.version) == ("pending", 1)
    assert Event.objects.filter(order_id=order_id).count() == 1


def test_a_dead_letter_cannot_be_changed_from_the_admin(staff_browser, dead_letter_for):
    dead = dead_letter_for("order_search")
    url = change_url("readmodels", "deadletter", dead.pk)

    response = staff_browser.post(url, {"resolution": "fixed by hand", "_save": "Save"})

    assert response.status_code == 403
    assert DeadLetter.objects.get(pk=dead.pk).resolved_at is None
