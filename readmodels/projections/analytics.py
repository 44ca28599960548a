"""order_analytics: order counts and revenue by status and by day.

Each order's row remembers what it contributes (its status, total and day); when a row
changes, the counters move by the difference between its old and new contribution. Because
that happens in the same seq-guarded transaction as the row change, a duplicate or replayed
event can never count twice.
"""

from decimal import Decimal

from django.db import connection

from orders.domain.events import OrderPlaced

from ..models import AnalyticsByDay, AnalyticsByStatus, AnalyticsOrder
from .base import Projection, Row


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

    def after_save(self, before: Row | None, after: Row) -> None:
        if before is not None and before["status"] == after["status"]:
            return
        for row, sign in ((before, -1), (after, +1)):
            if row is not None:
                _add_contribution(row, sign)

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


def _add_contribution(row: Row, sign: int) -> None:
    total = Decimal(row["total"]) * sign
    cancelled = row["status"] == "cancelled"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {AnalyticsByStatus._meta.db_table} AS t (status, order_count, revenue)
                VALUES (%s, %s, %s)
                ON CONFLICT (status) DO UPDATE SET
                    order_count = t.order_count + EXCLUDED.order_count,
                    revenue = t.revenue + EXCLUDED.revenue""",
            [row["status"], sign, total],
        )
        cursor.execute(
            f"""INSERT INTO {AnalyticsByDay._meta.db_table} AS t
                       (day, orders_placed, orders_cancelled, revenue)
                VALUES (%s, %s, %s, %s)
                ON CONFLICT (day) DO UPDATE SET
                    orders_placed = t.orders_placed + EXCLUDED.orders_placed,
                    orders_cancelled = t.orders_cancelled + EXCLUDED.orders_cancelled,
                    revenue = t.revenue + EXCLUDED.revenue""",
            [row["placed_on"], sign, sign if cancelled else 0, Decimal(0) if cancelled else total],
        )
