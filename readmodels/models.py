"""Read-side tables. Projectors write them; queries read only them.

Every read model has one row per order whose `seq` is the last event of that order it has
applied: its tracking position, written with the row in one transaction and checked, under the
order's lock, before anything is applied. That number alone is what makes duplicate and
out-of-order deliveries harmless; no other record of applied events is kept.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Now


class SummaryLine(models.Model):
    """The columns of an order's summary line (API.md's OrderSummary), shared by the order
    list's read model and the search read model, which answers with the same lines."""

    order_id = models.UUIDField(primary_key=True)
    customer_id = models.IntegerField()
    customer_name = models.CharField(max_length=150)
    status = models.CharField(max_length=16)
    item_count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    seq = models.PositiveIntegerField()

    class Meta:
        abstract = True


class OrderSummary(SummaryLine):
    """order_summaries: one line per order for the list page."""

    class Meta:
        db_table = "order_summaries"
        indexes = [
            models.Index(fields=["customer_id", "-created_at"], name="summaries_customer_idx"),
            models.Index(fields=["status", "-created_at"], name="summaries_status_idx"),
            models.Index(fields=["-created_at"], name="summaries_created_idx"),
        ]

    def __str__(self):
        return f"summary of {self.order_id}"


class OrderDetail(models.Model):
    """order_details: the full OrderView of API.md, stored as the JSON it is served as."""

    order_id = models.UUIDField(primary_key=True)
    customer_id = models.IntegerField(db_index=True)
    view = models.JSONField()
    seq = models.PositiveIntegerField()

    class Meta:
        db_table = "order_details"

    def __str__(self):
        return f"detail of {self.order_id}"


class OrderSearchEntry(SummaryLine):
    """order_search: a summary line plus a full-text document (id, customer, products,
    tracking number). The tsvector is computed by PostgreSQL from `document`."""

    customer_id = models.IntegerField(db_index=True)
    document = models.TextField()
    search_vector = models.GeneratedField(
        expression=SearchVector("document", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = "order_search"
        indexes = [GinIndex(fields=["search_vector"], name="order_search_vector_idx")]

    def __str__(self):
        return f"search entry of {self.order_id}"


class AnalyticsOrder(models.Model):
    """order_analytics' memory of each order: what it currently contributes to the counters."""

    order_id = models.UUIDField(primary_key=True)
    customer_id = models.IntegerField()
    status = models.CharField(max_length=16)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    placed_on = models.DateField()
    seq = models.PositiveIntegerField()

    class Meta:
        db_table = "order_analytics_orders"

    def __str__(self):
        return f"analytics of {self.order_id}"


class AnalyticsByStatus(models.Model):
    status = models.CharField(primary_key=True, max_length=16)
    order_count = models.IntegerField(default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        db_table = "order_analytics_by_status"

    def __str__(self):
        return f"{self.status}: {self.order_count}"


class AnalyticsByDay(models.Model):
    """Orders placed per day; revenue counts orders of that day that are not cancelled."""

    day = models.DateField(primary_key=True)
    orders_placed = models.IntegerField(default=0)
    orders_cancelled = models.IntegerField(default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        db_table = "order_analytics_by_day"

    def __str__(self):
        return f"{self.day}: {self.orders_placed}"


class DeadLetter(models.Model):
    """An event a read model could not apply after every attempt. Later events of the same
    order for that read model are parked behind it until it is replayed."""

    read_model = models.CharField(max_length=64)
    event = models.ForeignKey("orders.Event", on_delete=models.PROTECT, related_name="+")
    order_id = models.UUIDField()
    seq = models.PositiveIntegerField()
    event_type = models.CharField(max_length=64)
    error = models.TextField()
    traceback = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField()
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)
    # When the entry was opened (the NewDeadLetter alert counts the recent ones).
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(
                fields=["read_model", "order_id"],
                name="dead_letter_open_idx",
                condition=models.Q(resolved_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["read_model", "event"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_dead_letter_per_event",
            ),
        ]

    def __str__(self):
        return f"dead letter: {self.read_model} {self.event_type} #{self.seq} of {self.order_id}"


class ReadModelState(models.Model):
    """Per read model: rebuild history and the staff demo controls."""

    name = models.CharField(primary_key=True, max_length=64)
    last_rebuild_at = models.DateTimeField(null=True, blank=True)
    last_rebuild_events = models.BigIntegerField(null=True, blank=True)
    demo_delay_ms = models.PositiveIntegerField(default=0)
    fail_next_event = models.BooleanField(default=False)
    # The event that "fail the next event" picked; it fails until a replay lifts the fault.
    poisoned_event_id = models.UUIDField(null=True, blank=True)
    # Whether the lag monitor last saw this read model above its threshold.
    over_threshold = models.BooleanField(default=False)

    def __str__(self):
        return self.name


class LagSample(models.Model):
    """A read model's lag as the periodic monitor measured it (kept for an hour)."""

    read_model = models.CharField(max_length=64)
    at = models.DateTimeField()
    lag_ms = models.BigIntegerField()
    pending_outbox = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["read_model", "at"], name="lag_sample_idx")]

    def __str__(self):
        return f"{self.read_model} lag {self.lag_ms} ms at {self.at}"


class CdcState(models.Model):
    """What the CDC consumer last reported about its replication slot."""

    slot_name = models.CharField(primary_key=True, max_length=63)
    # Every change committed before this instant has been applied (the slot was drained).
    caught_up_at = models.DateTimeField(null=True, blank=True)
    confirmed_lsn = models.CharField(max_length=32, blank=True)
    retained_wal_bytes = models.BigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.slot_name


# ---- the push log (readmodels/pipeline/push_log.py, docs/push-resumption.md) ----


class PushStream(models.Model):
    """One stream: "staff" (every order) or "customer:<id>" (that customer's orders). Its row
    is also the lock that keeps its positions contiguous and in commit order."""

    stream = models.CharField(primary_key=True, max_length=40)
    last_position = models.BigIntegerField(default=0)

    class Meta:
        db_table = "push_streams"

    def __str__(self):
        return f"{self.stream} at {self.last_position}"


class PushLogEntry(models.Model):
    """A push message at its position in one stream, as the client receives it."""

    id = models.BigAutoField(primary_key=True)
    stream = models.CharField(max_length=40)
    position = models.BigIntegerField()
    message = models.JSONField()
    recorded_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "push_log"
        constraints = [
            models.UniqueConstraint(fields=["stream", "position"], name="push_log_position"),
        ]
        indexes = [models.Index(fields=["recorded_at"], name="push_log_recorded_idx")]

    def __str__(self):
        return f"{self.stream} #{self.position}"
