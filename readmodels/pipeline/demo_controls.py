"""Staff demo controls that make the pipeline's behaviour visible on purpose.

An artificial delay per read model makes lag show up in the UI. Under the outbox strategy the
relay holds that read model's rows back until they are due (readmodels/pipeline/relay.py),
so a delay occupies no worker and slows no other read model; the CDC consumer sleeps instead
(it applies one transaction at a time anyway). "Fail the next event"
poisons the next event a read model sees, so that it walks through every retry into the dead
letter queue; replaying that dead letter lifts the fault. Both are real code paths, not mocks:
the chaos tests use them too.
"""

import time
from dataclasses import dataclass

from readmodels.models import ReadModelState


class InjectedFault(RuntimeError):
    """The failure "fail the next event" asked for."""


@dataclass(frozen=True)
class Controls:
    delay_ms: int = 0
    fail_next_event: bool = False
    poisoned_event_id: object = None


def controls_for(read_model: str) -> Controls:
    state = ReadModelState.objects.filter(name=read_model).first()
    if state is None:
        return Controls()
    return Controls(state.demo_delay_ms, state.fail_next_event, state.poisoned_event_id)


def apply_delay(controls: Controls) -> None:
    """Sleep for the demo delay: only for the CDC consumer, which has no outbox to hold."""
    if controls.delay_ms:
        time.sleep(controls.delay_ms / 1000)


def check_fault(read_model: str, controls: Controls, event_id) -> None:
    """Raise InjectedFault for the poisoned event; poison this one if a failure was asked for."""
    if controls.poisoned_event_id == event_id:
        raise InjectedFault(f"injected fault: {read_model} refuses event {event_id}")
    if controls.fail_next_event:
        claimed = ReadModelState.objects.filter(
            name=read_model, fail_next_event=True, poisoned_event_id__isnull=True
        ).update(fail_next_event=False, poisoned_event_id=event_id)
        if claimed:
            raise InjectedFault(f"injected fault: {read_model} refuses event {event_id}")


def lift_fault(read_model: str) -> None:
    ReadModelState.objects.filter(name=read_model).update(poisoned_event_id=None)
