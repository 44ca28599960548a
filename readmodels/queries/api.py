"""Query endpoints: one thin class per read, answering from one read model with metadata
that says how fresh the answer is (see freshness.py and API.md)."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import error_response
from orders.visibility import customer_scope
from readmodels.queries import selectors
from readmodels.queries.answer_consistency import (
    consistency_metadata,
    read_model_completeness,
    rows_completeness,
    stream_position,
)
from readmodels.queries.freshness import freshness
from readmodels.queries.order_freshness import behind_by_order
from readmodels.queries.params import (
    AnalyticsParams,
    OrderDetailParams,
    OrderListParams,
    validated_params,
)
from readmodels.queries.provisional import (
    DEAD_LETTERED,
    NOT_CAUGHT_UP,
    may_see,
    provisional_answer,
    provisional_view,
)
from readmodels.queries.read_your_writes import token_reached
from readmodels.queries.schema import (
    NOT_PROJECTED,
    AnalyticsSerializer,
    OrderDetailResponseSerializer,
    OrderPageSerializer,
    query_schema,
)
from readmodels.queries.throttling import QueryRateThrottle


def metadata(request, read_model: str, params: dict) -> dict:
    fresh = freshness(read_model)
    body = {
        "readModel": read_model,
        "dataAsOf": fresh.data_as_of.isoformat(),
        "lagMs": fresh.lag_ms,
        "maxLagSeconds": fresh.max_lag_seconds,
        "stale": fresh.stale,
    }
    token = params.get("consistencyToken")
    if token is not None:
        reached = token_reached(read_model, token, customer_id=customer_scope(request.user))
        body["consistencyTokenReached"] = reached
        body["stale"] = body["stale"] or not reached
    return body


def summary_json(row, behind=None) -> dict:
    line = {
        "orderId": str(row.order_id),
        "customer": row.customer_name,
        "status": row.status,
        "itemCount": row.item_count,
        "total": f"{row.total:.2f}",
        "createdAt": row.created_at.isoformat(),
        "updatedAt": row.updated_at.isoformat(),
        "seq": row.seq,
    }
    return with_behind(line, behind)


def with_behind(row: dict, behind) -> dict:
    """The row, saying where it stands when its read model has not caught up with its order
    (absent when it has: an up-to-date detail equals the command's answer)."""
    return {**row, "behind": behind.to_json()} if behind else row


def list_read_model(query_params) -> str:
    """Which read model answers GET /api/orders/: search when there is a query text."""
    return "order_search" if (query_params.get("q") or "").strip() else "order_summaries"


class QueryApi(APIView):
    throttle_classes = [QueryRateThrottle]  # 429 past QUERY_RATE_LIMIT per user


class OrderListApi(QueryApi):
    @query_schema(
        "listOrders",
        "List orders (order_summaries), or search them with q (order_search)",
        parameters=[OrderListParams],
        response=OrderPageSerializer,
    )
    def get(self, request):
        params = validated_params(OrderListParams, request.query_params)
        position = stream_position(request.user)  # before the rows: see answer_consistency
        read_model = list_read_model(params)
        if read_model == "order_search":
            rows = selectors.search_orders(
                request.user, text=params["q"].strip(), status=params.get("status")
            )
        else:
            rows = selectors.order_summaries(
                request.user,
                status=params.get("status"),
                newest_first=params["ordering"] == "-createdAt",
            )
        page = paginate(request, rows, number=params["page"], size=params["pageSize"])
        reached = {row.order_id: row.seq for row in page["results"]}
        behind = behind_by_order(read_model, reached, applied=reached)
        page["results"] = [summary_json(row, behind.get(row.order_id)) for row in page["results"]]
        meta = metadata(request, read_model, params)
        completeness = rows_completeness(behind, meta.get("consistencyTokenReached"))
        meta |= consistency_metadata(completeness=completeness, position=position, reached=reached)
        return Response({**page, "metadata": meta})


class OrderDetailApi(QueryApi):
    @query_schema(
        "getOrder",
        "One order (order_details)",
        parameters=[OrderDetailParams],
        response=OrderDetailResponseSerializer,
        responses={404: NOT_PROJECTED},
    )
    def get(self, request, order_id):
        params = validated_params(OrderDetailParams, request.query_params)
        position = stream_position(request.user)  # before the row: see answer_consistency
        meta = metadata(request, "order_details", params)
        detail = selectors.order_detail(request.user, order_id)
        visible = detail is not None or may_see(order_id, customer_id=customer_scope(request.user))
        shown = {order_id: detail.seq} if detail else {}
        behind = behind_by_order("order_details", [order_id], applied=shown) if visible else {}
        meta |= consistency_metadata(
            completeness=rows_completeness(behind, meta.get("consistencyTokenReached")),
            position=position,
            reached=shown,
        )
        provisional = (
            self._provisional(request, order_id, detail, behind.get(order_id), meta)
            if params["provisional"]
            else None
        )
        if provisional is not None:
            return Response({"order": provisional, "metadata": meta})
        if detail is None:
            response = error_response(404, "not_found", "No such order (yet).")
            response.data["metadata"] = meta
            return response
        return Response({"order": with_behind(detail.view, behind.get(order_id)), "metadata": meta})

    @staticmethod
    def _provisional(request, order_id, detail, behind, meta) -> dict | None:
        """The order folded from its events, when order_details cannot show the caller's own
        write: held behind a dead letter, or the read-your-writes token not reached."""
        if behind is not None and behind.reason == DEAD_LETTERED:
            reason = DEAD_LETTERED
        elif meta.get("consistencyTokenReached") is False:
            reason = NOT_CAUGHT_UP
        else:
            return None
        view = provisional_view(order_id, customer_id=customer_scope(request.user))
        read_model_seq = detail.seq if detail else 0
        if view is None or view["seq"] <= read_model_seq:
            return None
        answer = provisional_answer(view, reason=reason, read_model_seq=read_model_seq)
        return with_behind(answer, behind)


class AnalyticsApi(QueryApi):
    @query_schema(
        "getAnalytics",
        "Counts and revenue by status and by day (order_analytics)",
        parameters=[AnalyticsParams],
        response=AnalyticsSerializer,
    )
    def get(self, request):
        params = validated_params(AnalyticsParams, request.query_params)
        position = stream_position(request.user)  # before the rows: see answer_consistency
        by_status, by_day = selectors.analytics(request.user, days=params["days"])
        meta = metadata(request, "order_analytics", params)
        meta |= consistency_metadata(
            completeness=read_model_completeness(
                "order_analytics", meta.get("consistencyTokenReached")
            ),
            position=position,
        )
        return Response({"byStatus": by_status, "byDay": by_day, "metadata": meta})


def paginate(request, rows, *, number: int, size: int) -> dict:
    """One page of `rows` with the count and links to its neighbours (null at the ends)."""
    count = rows.count()
    start = (number - 1) * size
    return {
        "results": list(rows[start : start + size]),
        "count": count,
        "next": _page_link(request, number + 1) if start + size < count else None,
        "previous": _page_link(request, number - 1) if number > 1 else None,
    }


def _page_link(request, number: int) -> str:
    query = request.query_params.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
