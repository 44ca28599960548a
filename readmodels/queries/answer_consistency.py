"""What a query answer says about its own consistency, so that a screen built from several
read models can render them at one point or say which panel is older
(docs/screen-consistency.md):

* `completeness`: `complete` (nothing is pending for what it shows), `behind` (some of it has
  events on their way or retrying, or a passed consistency token is not reached yet) or
  `degraded` (some of it is held behind a dead letter);
* `reached`: per order shown, the seq this read model has applied (the row's `seq`, said once
  more where a client comparing panels looks for it);
* `streamPosition`: the user's push stream position taken *before* the rows were read: every
  push at or before it is already reflected in this answer, so a client applies only the
  pushes after it on top (docs/push-resumption.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from readmodels.pipeline.push_log import STAFF_STREAM, customer_stream, last_position
from readmodels.queries.order_freshness import DEAD_LETTERED, Behind, held_work, progressing_work

COMPLETE, BEHIND, DEGRADED = "complete", "behind", "degraded"


def stream_position(user) -> int:
    """The user's push stream position now; read it before the rows an answer shows."""
    return last_position(STAFF_STREAM if user.is_staff else customer_stream(user.pk))


def rows_completeness(behind: Mapping[UUID, Behind], token_reached: bool | None) -> str:
    """For an answer made of order rows, from those rows' own `behind`."""
    if any(b.reason == DEAD_LETTERED for b in behind.values()):
        return DEGRADED
    if behind or token_reached is False:
        return BEHIND
    return COMPLETE


def read_model_completeness(read_model: str, token_reached: bool | None) -> str:
    """For an answer over the whole read model (analytics): its held and pending work."""
    held = held_work().get(read_model)
    if held is not None and held.orders:
        return DEGRADED
    if token_reached is False or progressing_work(read_model).exists():
        return BEHIND
    return COMPLETE


def consistency_metadata(
    *, completeness: str, position: int, reached: Mapping[UUID, int] | None = None
) -> dict:
    body = {"completeness": completeness, "streamPosition": position}
    if reached is not None:
        body["reached"] = {str(order_id): seq for order_id, seq in reached.items()}
    return body
