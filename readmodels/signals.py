"""Signals the read side sends after its transactions commit (the push layer listens)."""

from django.dispatch import Signal

# Sent after a projector's transaction committed: order_id, seq, read_model, customer_id,
# positions (the message's {stream: position} in the push log, readmodels/pipeline/push_log.py).
order_projected = Signal()

# Sent after a dead letter committed (a read model gave up on an event): order_id, seq,
# read_model, customer_id, positions.
order_dead_lettered = Signal()
