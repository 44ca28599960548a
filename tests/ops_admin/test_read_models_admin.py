"""The read models page: one line per read model with its lag, backlog, dead letters and last
rebuild, and the "Rebuild selected" action."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

import readmodels.rebuild as rebuild_module
from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import OrderSummary, ReadModelState
from readmodels.projections import PROJECTIONS

CHANGELIST = reverse("admin:readmodels_readmodelstate_changelist")


def rebuild_action(browser, *names: str):
    return browser.post(
        CHANGELIST,
        {"action": "rebuild_selected", "index": "0", "_selected_action": list(names)},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_read_models_page_has_a_line_per_read_model_with_lag_and_backlog(
    staff_browser, alice_order, dead_letter_for
):
    # Given no read model state rows except the one a dead letter of order_details made,
    # alice's order not projected anywhere yet, and that dead letter
    dead_letter_for("order_details")
    assert set(ReadModelState.objects.values_list("name", flat=True)) == {"order_details"}

    # When staff open the read models page
    response = staff_browser.get(CHANGELIST)

    # Then every read model has its row, with its lag, pending outbox and open dead letters
    assert response.status_code == 200
    assert set(ReadModelState.objects.values_list("name", flat=True)) == set(PROJECTIONS)
    shown = {state.name: state.lag for state in response.context["cl"].result_list}
    assert set(shown) == set(PROJECTIONS)
    # both orders' OrderPlaced are owed to every read model; to order_details, one is dead
    for name, lag in shown.items():
        assert lag.pending_outbox == (1 if name == "order_details" else 2), name
        assert lag.dead_letters == (1 if name == "order_details" else 0), name
        assert lag.freshness.lag_ms >= 0
    html = response.content.decode()
    assert "<h1>Read models</h1>" in html
    assert "Pending outbox" in html and "Open dead letters" in html and "Lag" in html
    assert "read_model=order_details&amp;status=open" in html  # links to its dead letters


@pytest.mark.django_db(transaction=True)
def test_staff_rebuild_a_read_model_from_the_admin(
    staff_browser, alice, bob, place_order_as, confirm_order_as
):
    # Given three events for two orders, never projected
    mine = place_order_as(alice).order.order_id
    confirm_order_as(alice, mine)
    theirs = place_order_as(bob).order.order_id

    # When staff rebuild order_summaries
    response = rebuild_action(staff_browser, "order_summaries")

    # Then its rows are the event log's fold, the rebuild is recorded and reported
    assert response.status_code == 200
    assert {(s.order_id, s.seq) for s in OrderSummary.objects.all()} == {(mine, 2), (theirs, 1)}
    state = ReadModelState.objects.get(name="order_summaries")
    assert state.last_rebuild_at is not None
    assert state.last_rebuild_events == Event.objects.count() == 3
    assert not OutboxMessage.objects.filter(read_model="order_summaries").exclude(
        state=OutboxState.DONE
    )
    assert any(m.startswith("Rebuilt order_summaries: 3 events") for m in messages_of(response))


@pytest.mark.django_db
def test_a_failed_rebuild_is_reported(staff_browser, monkeypatch):
    def fail(name, progress=None):
        raise rebuild_module.RebuildFailed(f"rebuild of {name} aborted: projection bug")

    monkeypatch.setattr(rebuild_module, "rebuild", fail)
    staff_browser.get(CHANGELIST)  # creates the state rows

    response = rebuild_action(staff_browser, "order_search")

    assert "Rebuild of order_search failed: rebuild of order_search aborted: projection bug" in (
        messages_of(response)
    )
    assert ReadModelState.objects.get(name="order_search").last_rebuild_at is None


@pytest.mark.django_db
def test_customers_cannot_rebuild(customer_browser, monkeypatch):
    calls = []
    monkeypatch.setattr(rebuild_module, "rebuild", lambda name, progress=None: calls.append(name))
    ReadModelState.objects.create(name="order_summaries")

    response = customer_browser.post(
        CHANGELIST,
        {"action": "rebuild_selected", "index": "0", "_selected_action": ["order_summaries"]},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert calls == []
