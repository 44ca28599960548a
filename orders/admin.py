"""Staff admin for the WRITE side: orders, the event log, the outbox and idempotency keys.

Everything here is read-only. The write model changes only through commands (services.py),
which keep order, events and outbox in one transaction; an admin form that edited a row
would bypass the event log and leave the read models silently wrong.

Access: every active staff user may view these pages (as they may use /api/ops/), with or
without Django model permissions; customers are sent to the admin login by the admin site.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from config.admin_kit import (
    ExactIdSearch,
    StaffReadOnly,
    admin_link,
    order_link,
    pretty_json,
)

from .models import Event, IdempotencyKey, Order, OrderItem, OutboxMessage, OutboxState

admin.site.site_header = "Orders pipeline"
admin.site.site_title = "Orders pipeline"
admin.site.index_title = "Write model, event log, outbox and read models"


class OrderItemInline(StaffReadOnly, admin.TabularInline):
    model = OrderItem
    fields = ["line_no", "product_id", "product_name", "quantity", "unit_price"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Order)
class OrderAdmin(StaffReadOnly, ExactIdSearch, admin.ModelAdmin):
    list_display = ["id", "customer_name", "status", "version", "created_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["id", "customer_name", "customer__username"]
    id_search_fields = ["id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False
    inlines = [OrderItemInline]
    fieldsets = [
        (None, {"fields": ["id", "customer", "customer_name", "status", "version"]}),
        (
            "Timeline",
            {
                "fields": [
                    "created_at",
                    "confirmed_at",
                    "shipped_at",
                    "delivered_at",
                    "cancelled_at",
                    "updated_at",
                    "tracking_number",
                    "cancel_reason",
                ]
            },
        ),
        ("Event history", {"fields": ["event_history"]}),
    ]
    readonly_fields = ["event_history"]

    @admin.display(description="events, in sequence order")
    def event_history(self, order):
        """The order's events from the event log, each with its outbox rows' states."""
        events = list(Event.objects.filter(order_id=order.id).order_by("seq"))
        outbox: dict[int, list[OutboxMessage]] = {}
        for message in OutboxMessage.objects.filter(event__order_id=order.id).order_by(
            "read_model"
        ):
            outbox.setdefault(message.event_id, []).append(message)
        if not events:
            return "No events (the event log is the truth: this should not happen)."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    event.seq,
                    admin_link(event, event.event_type),
                    event.occurred_at.isoformat(),
                    event.event_id,
                    format_html_join(
                        ", ",
                        "{}: {}",
                        ((m.read_model, m.state) for m in outbox.get(event.pk, [])),
                    )
                    or "(outbox rows deleted after retention)",
                )
                for event in events
            ),
        )
        return format_html(
            "<table><thead><tr><th>seq</th><th>event</th><th>occurred at</th>"
            "<th>event id</th><th>outbox</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(Event)
class EventAdmin(StaffReadOnly, ExactIdSearch, admin.ModelAdmin):
    """The append-only event log. Search takes an order id or an event id (or part of one)."""

    list_display = ["position", "order_link", "seq", "event_type", "occurred_at"]
    list_filter = ["event_type"]
    search_fields = ["order_id", "event_id"]
    id_search_fields = ["order_id", "event_id"]
    ordering = ["-position"]
    show_full_result_count = False
    fields = [
        "position",
        "event_id",
        "order_link",
        "seq",
        "event_type",
        "schema_version",
        "occurred_at",
        "recorded_at",
        "pretty_data",
        "outbox_rows",
    ]
    readonly_fields = ["order_link", "pretty_data", "outbox_rows"]

    @admin.display(description="order id", ordering="order_id")
    def order_link(self, event):
        return order_link(event.order_id)

    @admin.display(description="data")
    def pretty_data(self, event):
        return pretty_json(event.data)

    @admin.display(description="outbox")
    def outbox_rows(self, event):
        messages = event.outbox.order_by("read_model")
        return format_html_join(
            ", ", "{}", ((admin_link(m, f"{m.read_model}: {m.state}"),) for m in messages)
        ) or ("none (deleted after retention)")

    def get_list_display_links(self, request, list_display):
        return ["position"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(StaffReadOnly, ExactIdSearch, admin.ModelAdmin):
    """Work owed to read models. `attempts`, `available_at` and `last_error` show retries."""

    list_display = [
        "id",
        "event_link",
        "order_id",
        "read_model",
        "state",
        "attempts",
        "available_at",
        "sent_at",
        "done_at",
        "short_error",
    ]
    list_filter = ["state", "read_model"]
    search_fields = ["event__order_id", "event__event_id"]
    id_search_fields = search_fields
    list_select_related = ["event"]
    ordering = ["-id"]
    show_full_result_count = False
    fields = [
        "id",
        "event_link",
        "order_id",
        "read_model",
        "state",
        "attempts",
        "created_at",
        "available_at",
        "sent_at",
        "done_at",
        "first_failed_at",
        "error",
    ]
    readonly_fields = ["event_link", "order_id", "error"]

    @admin.display(description="event", ordering="event")
    def event_link(self, message):
        return admin_link(message.event, f"#{message.event.seq} {message.event.event_type}")

    @admin.display(description="order id", ordering="event__order_id")
    def order_id(self, message):
        return message.event.order_id

    @admin.display(description="last error")
    def short_error(self, message):
        error = message.last_error
        return error if len(error) <= 80 else error[:79] + "…"

    @admin.display(description="last error")
    def error(self, message):
        return format_html("<pre>{}</pre>", message.last_error) if message.last_error else "—"

    def changelist_view(self, request, extra_context=None):
        counts = dict(
            OutboxMessage.objects.exclude(state=OutboxState.DONE)
            .values_list("state")
            .annotate(n=Count("id"))
        )
        extra_context = {
            **(extra_context or {}),
            "subtitle": "unfinished: "
            + (", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["key", "user", "state", "response_status", "created_at", "expires_at"]
    list_filter = ["state"]
    search_fields = ["key", "user__username"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    fields = [
        "key",
        "user",
        "state",
        "fingerprint",
        "response_status",
        "pretty_response",
        "created_at",
        "expires_at",
    ]
    readonly_fields = ["pretty_response"]

    @admin.display(description="response body")
    def pretty_response(self, key):
        return pretty_json(key.response_body) if key.response_body is not None else "—"
