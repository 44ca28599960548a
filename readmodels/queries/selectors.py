"""Reads for the query API. They touch read tables only, and only rows the user may see."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, Q, QuerySet, Sum

from orders.domain.status import OrderStatus
from orders.visibility import customer_scope
from readmodels.models import (
    AnalyticsByDay,
    AnalyticsByStatus,
    AnalyticsOrder,
    OrderDetail,
    OrderSearchEntry,
    OrderSummary,
)


def order_summaries(user, *, status: str | None, newest_first: bool) -> QuerySet:
    rows = OrderSummary.objects.all()
    if (customer_id := customer_scope(user)) is not None:
        rows = rows.filter(customer_id=customer_id)
    if status:
        rows = rows.filter(status=status)
    order = "-created_at" if newest_first else "created_at"
    return rows.order_by(order, "order_id")


def search_orders(user, *, text: str, status: str | None) -> QuerySet:
    """Orders matching every word of `text`, best match first."""
    query = SearchQuery(text, config="simple", search_type="plain")
    rows = OrderSearchEntry.objects.filter(search_vector=query)
    if (customer_id := customer_scope(user)) is not None:
        rows = rows.filter(customer_id=customer_id)
    if status:
        rows = rows.filter(status=status)
    rank = SearchRank(F("search_vector"), query)
    return rows.annotate(rank=rank).order_by("-rank", "-created_at", "order_id")


def order_detail(user, order_id) -> OrderDetail | None:
    rows = OrderDetail.objects.filter(pk=order_id)
    if (customer_id := customer_scope(user)) is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows.first()


def analytics(user, *, days: int) -> tuple[list[dict], list[dict]]:
    """Counts and revenue by status and by day: the whole shop for staff, own for customers."""
    customer_id = customer_scope(user)
    if customer_id is None:
        by_status = {
            row.status: (row.order_count, row.revenue) for row in AnalyticsByStatus.objects.all()
        }
        day_rows = AnalyticsByDay.objects.order_by("-day")[:days]
        by_day = [(r.day, r.orders_placed, r.orders_cancelled, r.revenue) for r in day_rows]
    else:
        mine = AnalyticsOrder.objects.filter(customer_id=customer_id)
        by_status = {
            row["status"]: (row["n"], row["revenue"])
            for row in mine.values("status").annotate(n=Count("*"), revenue=Sum("total"))
        }
        by_day = [
            (row["placed_on"], row["n"], row["cancelled"], row["revenue"] or 0)
            for row in mine.values("placed_on")
            .annotate(
                n=Count("*"),
                cancelled=Count("order_id", filter=Q(status="cancelled")),
                revenue=Sum("total", filter=~Q(status="cancelled")),
            )
            .order_by("-placed_on")[:days]
        ]
    statuses = [
        {
            "status": status.value,
            "orderCount": by_status.get(status.value, (0, 0))[0],
            "revenue": f"{by_status.get(status.value, (0, 0))[1]:.2f}",
        }
        for status in OrderStatus
    ]
    days_json = [
        {
            "day": day.isoformat(),
            "ordersPlaced": placed,
            "ordersCancelled": cancelled,
            "revenue": f"{revenue:.2f}",
        }
        for day, placed, cancelled, revenue in sorted(by_day)
    ]
    return statuses, days_json
