"""Write-side tables: the catalogue, orders and their items (current state), the append-only
event log (the truth), the outbox (work owed to read models) and idempotency keys."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from .domain.events import json_envelope
from .domain.order import MAX_CUSTOMER_NAME
from .domain.status import OrderStatus


class Product(models.Model):
    product_id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.unit_price})"


class Order(models.Model):
    """Current state of an order. `version` is the sequence number of its latest event."""

    id = models.UUIDField(primary_key=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    customer_name = models.CharField(max_length=MAX_CUSTOMER_NAME)
    status = models.CharField(max_length=16, choices=[(s.value, s.value) for s in OrderStatus])
    tracking_number = models.CharField(max_length=200, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # One timestamp per status reached; together they are the order's timeline.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self):
        return f"order {self.id} ({self.status})"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    line_no = models.PositiveSmallIntegerField()
    product_id = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_item_line_unique"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"


class Event(models.Model):
    """One domain event, appended once and never changed.

    `position` is the global order of appends; (order_id, seq) is unique, which makes two
    concurrent writers of the same order collide instead of both succeeding.
    """

    position = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True)
    order_id = models.UUIDField()
    seq = models.PositiveIntegerField()
    event_type = models.CharField(max_length=64)
    schema_version = models.PositiveSmallIntegerField()
    occurred_at = models.DateTimeField()
    data = models.JSONField()
    recorded_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order_id", "seq"], name="event_order_seq_unique"),
        ]

    def __str__(self):
        return f"{self.event_type} #{self.seq} of {self.order_id}"

    def to_json(self) -> dict:
        """The event's JSON form, as DomainEvent.to_json produces it (from the stored row)."""
        return json_envelope(self, data=self.data)


class OutboxState(models.TextChoices):
    PENDING = "pending"  # waiting for the relay (or for its retry time)
    SENT = "sent"  # handed to Celery; sent again if not done within the redelivery timeout
    DONE = "done"  # the projector's transaction committed
    DEAD = "dead"  # its last attempt failed; a dead letter holds the details
    PARKED = "parked"  # waits behind an earlier dead letter of the same order and read model


class OutboxMessage(models.Model):
    """Work owed to one read model for one event. Written in the command's transaction."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="outbox")
    read_model = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_default=Now())
    available_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_idx",
                condition=models.Q(state="pending"),
            ),
            models.Index(
                fields=["sent_at"], name="outbox_sent_idx", condition=models.Q(state="sent")
            ),
            models.Index(fields=["read_model", "state", "created_at"], name="outbox_model_idx"),
            models.Index(
                fields=["done_at"], name="outbox_done_idx", condition=models.Q(state="done")
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "read_model"], name="outbox_event_model"),
        ]

    def __str__(self):
        return f"outbox {self.id}: {self.read_model} {self.state}"


class IdempotencyKey(models.Model):
    """Remembers a command request by (user, key) so that a retry replays the first answer."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now())
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry_idx")]

    def __str__(self):
        return f"{self.key} ({self.state})"
