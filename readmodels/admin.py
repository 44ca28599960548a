"""Staff admin for the READ side: dead letters (inspect, replay) and read models (lag,
backlog, rebuild).

Rows are read-only here too: dead letters change only by replay (or a rebuild that covers
them), read model state only through rebuilds and the demo controls (/api/ops/demo). The two
actions are the ways to act, and any active staff user may run them, as with /api/ops/.
"""

import logging

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html

from config.admin_kit import (
    ExactIdSearch,
    StaffReadOnly,
    admin_link,
    changelist_link,
    is_staff,
    order_link,
)
from orders.models import OutboxMessage
from orders.subscriptions import strategy_of
from readmodels.models import DeadLetter, ReadModelState
from readmodels.ops.lag_monitor import ReadModelLag, current_lag
from readmodels.ops.replay import replay_dead_letters
from readmodels.projections import PROJECTIONS

logger = logging.getLogger(__name__)


class DeadLetterStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "open"), ("resolved", "resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(DeadLetter)
class DeadLetterAdmin(StaffReadOnly, ExactIdSearch, admin.ModelAdmin):
    """Events a read model gave up on. "Replay selected" applies them again, in sequence
    order, with everything of their order parked behind them (readmodels.ops.replay)."""

    list_display = [
        "id",
        "read_model",
        "event_type",
        "order_id",
        "seq",
        "attempts",
        "last_failed_at",
        "status",
        "short_error",
    ]
    list_filter = ["read_model", DeadLetterStatusFilter, "event_type"]
    search_fields = ["order_id", "event__event_id"]
    id_search_fields = search_fields
    list_select_related = ["event"]
    ordering = ["-last_failed_at"]
    actions = ["replay_selected"]
    fields = [
        "id",
        "read_model",
        "event_link",
        "event_uuid",
        "order_link",
        "seq",
        "event_type",
        "attempts",
        "first_failed_at",
        "last_failed_at",
        "status",
        "resolved_at",
        "resolution",
        "error_text",
        "traceback_text",
    ]
    readonly_fields = [
        "event_link",
        "event_uuid",
        "order_link",
        "status",
        "error_text",
        "traceback_text",
    ]

    @admin.display(description="status", ordering="resolved_at")
    def status(self, dead):
        return f"resolved: {dead.resolution}" if dead.resolved_at else "open"

    @admin.display(description="error")
    def short_error(self, dead):
        return dead.error if len(dead.error) <= 80 else dead.error[:79] + "…"

    @admin.display(description="error")
    def error_text(self, dead):
        return format_html("<pre>{}</pre>", dead.error)

    @admin.display(description="traceback")
    def traceback_text(self, dead):
        return format_html("<pre>{}</pre>", dead.traceback) if dead.traceback else "—"

    @admin.display(description="event")
    def event_link(self, dead):
        return admin_link(dead.event, f"#{dead.event.seq} {dead.event.event_type}")

    @admin.display(description="event id")
    def event_uuid(self, dead):
        return dead.event.event_id

    @admin.display(description="order id")
    def order_link(self, dead):
        return order_link(dead.order_id)

    def has_replay_permission(self, request):
        return is_staff(request)

    @admin.action(description="Replay selected", permissions=["replay"])
    def replay_selected(self, request, queryset):
        """Replay the selected open dead letters (resolved ones are ignored)."""
        report = replay_dead_letters(queryset)
        level = messages.SUCCESS if not (report.failed or report.skipped) else messages.WARNING
        self.message_user(request, f"Replay: {report.summary()}.", level)
        for entry_id, error in report.failed:
            self.message_user(request, f"Dead letter {entry_id} failed again: {error}", "error")
        for entry_id, reason in report.skipped:
            self.message_user(request, f"Dead letter {entry_id} skipped: {reason}", "warning")


class ReadModelChangeList(ChangeList):
    """Attaches each read model's current lag (one `current_lag()` per page) to its row."""

    def get_results(self, request):
        super().get_results(request)
        lags = {lag.freshness.read_model: lag for lag in current_lag()}
        for state in self.result_list:
            state.lag = lags.get(state.name)


@admin.register(ReadModelState)
class ReadModelStateAdmin(StaffReadOnly, admin.ModelAdmin):
    """One row per read model: lag, backlog, dead letters, last rebuild, demo controls."""

    list_display = [
        "name",
        "strategy",
        "lag",
        "max_lag",
        "stale",
        "pending_outbox",
        "open_dead_letters",
        "last_rebuild_at",
        "last_rebuild_events",
        "demo_delay_ms",
        "fail_next_event",
    ]
    ordering = ["name"]
    actions = ["rebuild_selected"]
    # One read model's page: its line of the list, plus the event its injected fault holds and
    # whether its lag alert is firing.
    fields = [*list_display, "poisoned_event_id", "over_threshold"]
    readonly_fields = [
        "strategy",
        "lag",
        "max_lag",
        "stale",
        "pending_outbox",
        "open_dead_letters",
    ]

    def changelist_view(self, request, extra_context=None):
        for name in PROJECTIONS:  # a read model without a state row yet still gets its line
            ReadModelState.objects.get_or_create(name=name)
        extra_context = {"title": "Read models", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return ReadModelChangeList

    def get_object(self, request, object_id, from_field=None):
        state = super().get_object(request, object_id, from_field)
        if state is not None:
            state.lag = next(
                (lag for lag in current_lag() if lag.freshness.read_model == state.name), None
            )
        return state

    @staticmethod
    def _lag(state) -> ReadModelLag | None:
        return getattr(state, "lag", None)

    @admin.display(description="strategy")
    def strategy(self, state):
        return strategy_of(state.name)

    @admin.display(description="lag")
    def lag(self, state):
        lag = self._lag(state)
        return f"{lag.freshness.lag_ms:,} ms" if lag else "—"

    @admin.display(description="threshold")
    def max_lag(self, state):
        lag = self._lag(state)
        return f"{lag.freshness.max_lag_seconds} s" if lag else "—"

    @admin.display(description="stale", boolean=True)
    def stale(self, state):
        lag = self._lag(state)
        return lag.freshness.stale if lag else None

    @admin.display(description="pending outbox")
    def pending_outbox(self, state):
        lag = self._lag(state)
        if lag is None:
            return "—"
        return changelist_link(
            OutboxMessage, lag.pending_outbox, read_model=state.name, state__in="pending,sent"
        )

    @admin.display(description="open dead letters")
    def open_dead_letters(self, state):
        lag = self._lag(state)
        if lag is None:
            return "—"
        return changelist_link(DeadLetter, lag.dead_letters, read_model=state.name, status="open")

    def has_rebuild_permission(self, request):
        return is_staff(request)

    @admin.action(description="Rebuild selected", permissions=["rebuild"])
    def rebuild_selected(self, request, queryset):
        """Rebuild each selected read model from the event log, one after the other.

        Synchronous, inside this request: fine for the demo's event log (seconds), not for a
        large one, where the request would time out before the rebuild ends. There, use
        `manage.py rebuild_readmodel NAME` (docs/runbook-rebuild.md). Queries keep being
        answered during a rebuild either way.
        """
        from readmodels.rebuild import RebuildFailed, rebuild  # loaded when used

        for state in queryset.order_by("name"):
            try:
                report = rebuild(state.name)
            except RebuildFailed as error:
                self.message_user(request, f"Rebuild of {state.name} failed: {error}", "error")
            except Exception as error:
                logger.exception("rebuild failed", extra={"read_model": state.name})
                self.message_user(
                    request,
                    f"Rebuild of {state.name} failed unexpectedly: {type(error).__name__}: "
                    f"{error} (see the web process's log)",
                    "error",
                )
            else:
                self.message_user(request, f"Rebuilt {report.summary()}.", messages.SUCCESS)
