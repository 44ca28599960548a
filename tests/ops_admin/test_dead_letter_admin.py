"""Dead letters in the admin: inspected in full, filtered, and replayed by staff with the
"Replay selected" action, which reports succeeded / failed / skipped."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState
from readmodels.models import DeadLetter, OrderDetail, OrderSummary
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS
from readmodels.projections import PROJECTIONS

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:readmodels_deadletter_changelist")


def replay(browser, *dead_letters):
    return browser.post(
        CHANGELIST,
        {
            "action": "replay_selected",
            "index": "0",
            "_selected_action": [str(dead.pk) for dead in dead_letters],
        },
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_dead_letter_page_shows_every_field_and_the_traceback(staff_browser, dead_letter_for):
    # Given a real dead letter: order_summaries refused alice's OrderPlaced five times
    dead = dead_letter_for("order_summaries")

    # When staff open it
    page = staff_browser.get(reverse("admin:readmodels_deadletter_change", args=[dead.pk]))

    # Then they see what failed, how often and why, with the traceback preformatted
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("order_summaries", "OrderPlaced", str(dead.order_id), str(dead.event.event_id)):
        assert text in html
    assert f"<pre>{dead.traceback[:40]}" in html and "InjectedFault" in dead.traceback


def test_dead_letters_filter_by_read_model_and_status(staff_browser, dead_letter_for):
    summaries = dead_letter_for("order_summaries")
    details = dead_letter_for("order_details")
    DeadLetter.objects.filter(pk=details.pk).update(
        resolution="replayed", resolved_at=timezone.now()
    )

    def listed(**filters):
        response = staff_browser.get(CHANGELIST, filters)
        return {dead.pk for dead in response.context["cl"].result_list}

    assert listed(status="open") == {summaries.pk}
    assert listed(status="resolved") == {details.pk}
    assert listed(read_model="order_details") == {details.pk}
    assert listed() == {summaries.pk, details.pk}


def test_staff_replay_a_dead_letter_and_its_order_is_projected(staff_browser, dead_letter_for):
    # Given a dead letter of order_summaries: alice's order has no summary row
    dead = dead_letter_for("order_summaries")
    assert not OrderSummary.objects.filter(pk=dead.order_id).exists()

    # When staff run "Replay selected" on it
    response = replay(staff_browser, dead)

    # Then it is resolved, the row exists, its outbox row is done, and the outcome is reported
    assert response.status_code == 200
    dead.refresh_from_db()
    assert (dead.resolution, dead.resolved_at is not None) == ("replayed", True)
    assert OrderSummary.objects.get(pk=dead.order_id).seq == 1
    message = OutboxMessage.objects.get(read_model="order_summaries", event=dead.event)
    assert message.state == OutboxState.DONE
    assert "Replay: succeeded 1, failed 0, skipped 0." in messages_of(response)


def test_replay_reports_failed_and_skipped_entries(staff_browser, dead_letter_for, monkeypatch):
    # Given one dead letter whose cause is not fixed (its projection still raises) ...
    broken = dead_letter_for("order_details")

    def still_broken(row, event):
        raise RuntimeError("details projection is still broken")

    monkeypatch.setattr(PROJECTIONS["order_details"], "apply", still_broken)
    # ... and one older than the replay window
    old = dead_letter_for("order_summaries")
    DeadLetter.objects.filter(pk=old.pk).update(
        first_failed_at=old.first_failed_at - timedelta(days=8)
    )

    # When staff replay both
    response = replay(staff_browser, broken, old)

    # Then one failed and one was skipped, each reported with its reason; both stay open
    reported = messages_of(response)
    assert "Replay: succeeded 0, failed 1, skipped 1." in reported
    assert any(f"{broken.pk} failed again" in m and "still broken" in m for m in reported)
    assert any(f"{old.pk} skipped" in m and "more than 7 days ago" in m for m in reported)
    assert DeadLetter.objects.filter(resolved_at__isnull=True).count() == 2
    assert DeadLetter.objects.get(pk=broken.pk).attempts == MAX_ATTEMPTS + 1
    assert not OrderDetail.objects.filter(pk=broken.order_id).exists()


def test_customers_cannot_replay(customer_browser, dead_letter_for):
    dead = dead_letter_for("order_summaries")

    response = customer_browser.post(
        CHANGELIST,
        {"action": "replay_selected", "index": "0", "_selected_action": [str(dead.pk)]},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert DeadLetter.objects.get(pk=dead.pk).resolved_at is None
    assert not OrderSummary.objects.filter(pk=dead.order_id).exists()
