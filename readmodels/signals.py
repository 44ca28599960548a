"""Signals the read side sends after its transactions commit (the push layer listens)."""

from django.dispatch import Signal

# Sent after a projector's transaction committed: order_id, seq, read_model, customer_id.
order_projected = Signal()

# Sent after a dead letter committed (a read model gave up on an event): order_id, seq,
# read_model, customer_id.
order_dead_lettered = Signal()
