"""order_analytics: order counts and revenue by status and by day.

Each order's row remembers what it contributes (its status, total and day); when a row
changes, the counters move by the difference between its old and new contribution. The
pipeline applies those deltas (readmodels/pipeline/counters.py) in the same seq-guarded
transaction as the row change, so a duplicate or replayed event can never count twice.
"""

from collections import Counter
from decimal import Decimal

from orders.domain.events import OrderPlaced
from readmodels.models import AnalyticsByDay, AnalyticsByStatus, AnalyticsOrder
from readmodels.projections.base import CounterDeltas, Projection, Row


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

    def counter_deltas(self, changes: list[tuple[Row | None, Row]]) -> list[CounterDeltas]:
        by_status: Counter = Counter()  # (status, column) -> delta
        by_day: Counter = Counter()  # (day, column) -> delta
        for before, after in changes:
            if before is not None and before["status"] == after["status"]:
                continue
            for row, sign in ((before, -1), (after, +1)):
                if row is not None:
                    _add_contribution(by_status, by_day, row, sign)
        return [
            CounterDeltas(AnalyticsByStatus, "status", _nonzero(by_status)),
            CounterDeltas(AnalyticsByDay, "day", _nonzero(by_day)),
        ]

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
    by_status[row["status"], "order_count"] += sign
    by_status[row["status"], "revenue"] += total
    by_day[row["placed_on"], "orders_placed"] += sign
    by_day[row["placed_on"], "orders_cancelled"] += sign if cancelled else 0
    by_day[row["placed_on"], "revenue"] += 0 if cancelled else total


def _nonzero(deltas: Counter) -> dict:
    """{key: {column: delta}} for the keys whose deltas do not all cancel out."""
    by_key: dict = {}
    for (key, column), delta in deltas.items():
        by_key.setdefault(key, {})[column] = delta
    return {key: columns for key, columns in by_key.items() if any(columns.values())}
