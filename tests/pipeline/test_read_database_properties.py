"""Property: with deliveries duplicated, reordered, dropped, and cut short between the read
commit and the outbox update (the crash a separate read database makes possible), the read
database ends equal to a fold of the event log once everything is delivered again, and no
outbox row is left unfinished.

`make test-two-databases` runs it with the read tables in a database of their own; with one
database a cut-short delivery rolls back as a whole, and the property holds all the same."""

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.models import OutboxMessage, OutboxState
from readmodels.pipeline import projector
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.tables import empty_pipeline_tables

from .harness import assert_read_models_match_event_log
from .random_commands import place_and_command_at_random


class CrashBetweenCommits(Exception):
    """Stands for a worker dying after the read commit, before the outbox update."""


def unfinished() -> dict[str, list[int]]:
    by_model: dict[str, list[int]] = {}
    rows = OutboxMessage.objects.exclude(state=OutboxState.DONE).order_by("id")
    for read_model, message_id in rows.values_list("read_model", "id"):
        by_model.setdefault(read_model, []).append(message_id)
    return by_model


def deliver(data, by_model: dict[str, list[int]]) -> None:
    """Deliver random rows, duplicated and reordered; any delivery may crash between its
    commits (what it committed in the read database stays)."""
    for read_model in data.draw(st.permutations(sorted(by_model)), label="model order"):
        batch = data.draw(st.lists(st.sampled_from(by_model[read_model]), max_size=8))
        with contextlib.suppress(CrashBetweenCommits):
            project_messages(read_model, batch)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_read_database_converges_to_the_fold_of_the_event_log_despite_crashes(
    data, alice, bob, staff_user, place_order_as, monkeypatch
):
    # Given: any delivery may be cut short between the read commit and the outbox update
    def maybe_crash(read_model: str) -> None:
        if data.draw(st.booleans(), label=f"crash after {read_model}'s read commit"):
            raise CrashBetweenCommits

    monkeypatch.setattr(projector, "crash_if_requested", maybe_crash)
    empty_pipeline_tables()
    # When: commands and deliveries interleave
    place_and_command_at_random(
        data,
        customers=[alice, bob],
        staff=staff_user,
        place_order_as=place_order_as,
        orders=(1, 3),
        commands=(0, 6),
        after_each=lambda: deliver(data, unfinished()),
    )

    # ...and then whatever is unfinished is delivered again, without crashes, until none is
    monkeypatch.setattr(projector, "crash_if_requested", lambda read_model: None)
    for read_model, ids in unfinished().items():
        project_messages(read_model, ids)

    # Then: nothing is left to do, and the read database is the fold of the event log
    assert unfinished() == {}
    assert_read_models_match_event_log()
