"""order_analytics: order counts and revenue by status and by day.

Each order's row remembers what it contributes (its status, total and day); when a row
changes, the counters move by the difference between its old and new contribution. Because
that happens in the same seq-guarded transaction as the row change, a duplicate or replayed
event can never count twice.
"""

from collections import Counter
from decimal import Decimal

from django.db import connection

from orders.domain.events import OrderPlaced
from readmodels.models import AnalyticsByDay, AnalyticsByStatus, AnalyticsOrder
from readmodels.projections.base import Projection, Row


class AnalyticsProjection(Projection):
    name = "order_analytics"
    max_lag_seconds = 300
    row_model = AnalyticsOrder
    aggregate_models = (AnalyticsByStatus, AnalyticsByDay)

    def when_OrderPlaced(self, row: Row, event: OrderPlaced) -> Row:
        return {
            "customer_id": event.customer_id,
            "status": "pending",
            "total": event.total,
            "placed_on": event.occurred_at.date(),
        }

    def when_OrderConfirmed(self, row: Row, event) -> Row:
        return {**row, "status": "confirmed"}

    def when_OrderShipped(self, row: Row, event) -> Row:
        return {**row, "status": "shipped"}

    def when_OrderDelivered(self, row: Row, event) -> Row:
        return {**row, "status": "delivered"}

    def when_OrderCancelled(self, row: Row, event) -> Row:
        return {**row, "status": "cancelled"}

    def after_save(self, changes: list[tuple[Row | None, Row]]) -> None:
        by_status: Counter = Counter()  # (status, "orders" | "revenue") -> delta
        by_day: Counter = Counter()  # (day, "placed" | "cancelled" | "revenue") -> delta
        for before, after in changes:
            if before is not None and before["status"] == after["status"]:
                continue
            for row, sign in ((before, -1), (after, +1)):
                if row is not None:
                    _add_contribution(by_status, by_day, row, sign)
        _apply_deltas(by_status, by_day)

    def aggregate_sql(self, row_table: str, aggregate_tables: dict[str, str]) -> list[str]:
        by_status = aggregate_tables[AnalyticsByStatus._meta.db_table]
        by_day = aggregate_tables[AnalyticsByDay._meta.db_table]
        return [
            f"""INSERT INTO {by_status} (status, order_count, revenue)
                SELECT status, count(*), sum(total) FROM {row_table} GROUP BY status""",
            f"""INSERT INTO {by_day} (day, orders_placed, orders_cancelled, revenue)
                SELECT placed_on, count(*),
                       count(*) FILTER (WHERE status = 'cancelled'),
                       coalesce(sum(total) FILTER (WHERE status <> 'cancelled'), 0)
                FROM {row_table} GROUP BY placed_on""",
        ]


def _add_contribution(by_status: Counter, by_day: Counter, row: Row, sign: int) -> None:
    total = Decimal(row["total"]) * sign
    cancelled = row["status"] == "cancelled"
    by_status[row["status"], "orders"] += sign
    by_status[row["status"], "revenue"] += total
    by_day[row["placed_on"], "placed"] += sign
    by_day[row["placed_on"], "cancelled"] += sign if cancelled else 0
    by_day[row["placed_on"], "revenue"] += 0 if cancelled else total


def _apply_deltas(by_status: Counter, by_day: Counter) -> None:
    """One upsert per counter table, rows in key order (so concurrent batches never deadlock
    on them); keys whose deltas cancel out are left alone."""
    statuses = sorted(
        {s for s, _ in by_status if by_status[s, "orders"] or by_status[s, "revenue"]}
    )
    days = sorted(
        {d for d, _ in by_day if any(by_day[d, k] for k in ("placed", "cancelled", "revenue"))}
    )
    with connection.cursor() as cursor:
        if statuses:
            cursor.execute(
                f"""INSERT INTO {AnalyticsByStatus._meta.db_table} AS t
                           (status, order_count, revenue)
                    SELECT * FROM unnest(%s::text[], %s::int[], %s::numeric[]) ORDER BY 1
                    ON CONFLICT (status) DO UPDATE SET
                        order_count = t.order_count + EXCLUDED.order_count,
                        revenue = t.revenue + EXCLUDED.revenue""",
                [
                    statuses,
                    [by_status[s, "orders"] for s in statuses],
                    [by_status[s, "revenue"] for s in statuses],
                ],
            )
        if days:
            cursor.execute(
                f"""INSERT INTO {AnalyticsByDay._meta.db_table} AS t
                           (day, orders_placed, orders_cancelled, revenue)
                    SELECT * FROM unnest(%s::date[], %s::int[], %s::int[], %s::numeric[])
                    ORDER BY 1
                    ON CONFLICT (day) DO UPDATE SET
                        orders_placed = t.orders_placed + EXCLUDED.orders_placed,
                        orders_cancelled = t.orders_cancelled + EXCLUDED.orders_cancelled,
                        revenue = t.revenue + EXCLUDED.revenue""",
                [
                    days,
                    [by_day[d, "placed"] for d in days],
                    [by_day[d, "cancelled"] for d in days],
                    [by_day[d, "revenue"] for d in days],
                ],
            )
