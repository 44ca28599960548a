"""One order can be followed through the logs by its id: its command, the relay's batch and
each read model's projection; its dead letter and replay too. Also: worker logs are JSON."""

import io
import json
import logging

import pytest

from config.logging import JsonFormatter
from readmodels import tasks
from readmodels.models import DeadLetter
from readmodels.ops.replay import replay_dead_letters
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.relay import relay_once
from readmodels.projections import PROJECTIONS


@pytest.fixture
def json_log():
    """Every log line of the test, as the JSON formatter writes it, parsed back."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def worker_in_process(monkeypatch):
    """The relay's Celery sends run the projector at once, in this process."""
    monkeypatch.setattr(tasks.project, "apply_async", lambda args, queue: project_messages(*args))


def about(lines: list[dict], order_id) -> list[dict]:
    return [line for line in lines if line.get("order_id") == str(order_id)]


@pytest.mark.django_db(transaction=True)
def test_an_order_is_followed_from_command_to_every_read_model_by_its_id(
    alice, place_order_as, confirm_order_as, json_log, worker_in_process
):
    # Given another order placed and projected first (its lines must not be mixed in)
    place_order_as(alice)
    relay_once()

    # When alice places and confirms an order, and the pipeline projects each command
    order_id = place_order_as(alice).order.order_id
    relay_once()
    confirm_order_as(alice, order_id)
    relay_once()

    # Then grepping its id finds, for each command: its commit, then the relay's batch and
    # one projection line per read model, all about that command's event
    lines = about(json_log(), order_id)
    steps = [(1, "PlaceOrder", "OrderPlaced"), (2, "ConfirmOrder", "OrderConfirmed")]
    for seq, command, event_type in steps:
        committed, *pipeline = [line for line in lines if line["seq"] == seq]
        by_logger = {}
        for line in pipeline:
            by_logger.setdefault(line["logger"], []).append(line)
        assert (committed["logger"], committed["command"]) == ("orders.announcements", command)
        assert set(by_logger) == {"readmodels.pipeline.relay", "readmodels.pipeline.projector"}
        (relayed,) = by_logger["readmodels.pipeline.relay"]
        assert relayed["by_read_model"] == dict.fromkeys(PROJECTIONS, 1)
        projected = by_logger["readmodels.pipeline.projector"]
        assert sorted(line["read_model"] for line in projected) == sorted(PROJECTIONS)
        assert {line["event_type"] for line in projected} == {event_type}
        assert len({relayed["event_id"], *(line["event_id"] for line in projected)}) == 1
    assert len(lines) == len(steps) * (2 + len(PROJECTIONS))


@pytest.mark.django_db
def test_dead_letter_and_replay_lines_carry_the_order_event_and_read_model(
    dead_letter_for, json_log
):
    # Given a dead letter (five failed attempts), when staff replay it
    dead = dead_letter_for("order_search")
    replay_dead_letters(DeadLetter.objects.filter(pk=dead.pk))

    # Then each attempt, the give-up, the replay and the projection are logged with its ids
    lines = about(json_log(), dead.order_id)
    context = {
        "event_id": str(dead.event.event_id),
        "read_model": "order_search",
        "seq": 1,
    }
    failures = [line for line in lines if line["logger"] == "readmodels.pipeline.failures"]
    assert [line["attempts"] for line in failures] == [1, 2, 3, 4, 5]
    assert failures[-1]["level"] == "WARNING" and "dead letter" in failures[-1]["message"]
    replayed = [line for line in lines if line["logger"] == "readmodels.ops.replay"]
    assert [(line["outcome"], line["dead_letter_id"]) for line in replayed] == [
        ("succeeded", dead.pk)
    ]
    for line in [*failures, *replayed]:
        assert {key: line[key] for key in context} == context
