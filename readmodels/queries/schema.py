"""The query side's part of the OpenAPI schema (drf-spectacular): query answers with their
freshness metadata and per-order `behind`, and the decorator query views wear. The shapes
both sides share (OrderView, the error envelope) are in config/api_shapes.py; the staff
endpoints' are in readmodels/ops/schema.py.

Like orders/schema.py, these serializers only describe JSON the views build as dicts.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from config.api_shapes import (
    INVALID,
    RETRY_AFTER,
    ErrorResponseSerializer,
    OrderViewSerializer,
    error,
    login_required,
    money,
    order_status,
)
from orders.subscriptions import READ_MODELS, STRATEGIES
from readmodels.queries.answer_consistency import BEHIND, COMPLETE, DEGRADED
from readmodels.queries.order_freshness import DEAD_LETTERED, PENDING, RETRYING
from readmodels.queries.provisional import NOT_CAUGHT_UP

READ_MODEL_NAMES = list(READ_MODELS)
STRATEGY_NAMES = list(STRATEGIES)
BEHIND_REASONS = [PENDING, RETRYING, DEAD_LETTERED]
COMPLETENESS = [COMPLETE, BEHIND, DEGRADED]
PROVISIONAL_REASONS = [DEAD_LETTERED, NOT_CAUGHT_UP]


def read_model_name(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=READ_MODEL_NAMES, **kwargs)


# ---- queries --------------------------------------------------------------------------------


class MetadataSerializer(serializers.Serializer):
    """How fresh the read model that answered is (DESIGN.md, invariant 6)."""

    readModel = read_model_name()
    dataAsOf = serializers.DateTimeField(
        help_text="Every event committed before this instant is reflected in the answer."
    )
    lagMs = serializers.IntegerField(min_value=0, help_text="Now minus dataAsOf.")
    maxLagSeconds = serializers.IntegerField(min_value=0, help_text="The read model's threshold.")
    stale = serializers.BooleanField(
        help_text="Lag above the threshold, or the consistency token not reached."
    )
    consistencyTokenReached = serializers.BooleanField(
        required=False,
        help_text="Only when a consistencyToken was passed: whether the answer reflects it.",
    )
    # docs/screen-consistency.md
    completeness = serializers.ChoiceField(
        choices=COMPLETENESS,
        help_text="`complete`: nothing pending for what the answer shows; `behind`: some of it "
        "has events on their way or retrying, or the consistency token is not reached; "
        "`degraded`: some of it is held behind a dead letter.",
    )
    streamPosition = serializers.IntegerField(
        min_value=0,
        help_text="The caller's push stream position before the answer was read: every push "
        "at or before it is reflected in the answer (docs/push-resumption.md).",
    )
    reached = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text="Answers made of orders: per order id shown, the seq this read model applied.",
    )


class BehindSerializer(serializers.Serializer):
    """Per-order freshness: this read model has not applied every event of this order."""

    seq = serializers.IntegerField(
        min_value=1, help_text="The first event of the order this read model has not applied."
    )
    reason = serializers.ChoiceField(
        choices=BEHIND_REASONS,
        help_text="`pending`: on its way; `retrying`: an attempt failed, a retry is due; "
        "`dead_lettered`: held behind a dead letter until staff replay it.",
    )


def behind_field() -> BehindSerializer:
    return BehindSerializer(
        required=False, help_text="Absent when the read model is up to date for this order."
    )


class OrderSummarySerializer(serializers.Serializer):
    """One row of the order list (order_summaries) or of search results (order_search)."""

    orderId = serializers.UUIDField()
    customer = serializers.CharField()
    status = order_status()
    itemCount = serializers.IntegerField(min_value=0)
    total = money()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    seq = serializers.IntegerField(min_value=1)
    behind = behind_field()


class OrderPageSerializer(serializers.Serializer):
    results = OrderSummarySerializer(many=True)
    count = serializers.IntegerField(min_value=0, help_text="Orders on all pages together.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    metadata = MetadataSerializer()


class ProvisionalSerializer(serializers.Serializer):
    """The order folded from its events, not read from order_details (screen-consistency.md)."""

    reason = serializers.ChoiceField(
        choices=PROVISIONAL_REASONS,
        help_text="`dead_lettered`: order_details holds the order behind a dead letter; "
        "`not_caught_up`: the read-your-writes wait ran out before order_details reached it.",
    )
    readModelSeq = serializers.IntegerField(
        min_value=0, help_text="The seq order_details has really applied (0: no row yet)."
    )


class ProjectedOrderViewSerializer(OrderViewSerializer):
    """An OrderView as the order_details read model holds it, with its per-order freshness."""

    behind = behind_field()
    provisional = ProvisionalSerializer(
        required=False, help_text="Absent when the answer is order_details' own row."
    )


class OrderDetailResponseSerializer(serializers.Serializer):
    order = ProjectedOrderViewSerializer()
    metadata = MetadataSerializer()


class NotYetProjectedSerializer(ErrorResponseSerializer):
    """404 of a query: the error, and how fresh the read model that did not have it is."""

    metadata = MetadataSerializer(
        required=False, help_text="When the id is a well-formed order id: the read model asked."
    )


class StatusTotalsSerializer(serializers.Serializer):
    status = order_status()
    orderCount = serializers.IntegerField(min_value=0)
    revenue = money()


class DayTotalsSerializer(serializers.Serializer):
    day = serializers.DateField()
    ordersPlaced = serializers.IntegerField(min_value=0)
    ordersCancelled = serializers.IntegerField(min_value=0)
    revenue = money(help_text="Of the orders placed that day and not cancelled.")


class AnalyticsSerializer(serializers.Serializer):
    byStatus = StatusTotalsSerializer(many=True, help_text="Every status, zeros included.")
    byDay = DayTotalsSerializer(many=True, help_text="Days with orders, oldest first.")
    metadata = MetadataSerializer()


def query_schema(
    operation_id: str, summary: str, *, parameters, response, responses=None
) -> extend_schema:
    """The OpenAPI description of one query endpoint (API.md, "Queries")."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        tags=["queries"],
        parameters=[*parameters, RETRY_AFTER],
        responses=login_required(
            {
                200: OpenApiResponse(response, description="The answer, and how fresh it is."),
                400: INVALID,
                **(responses or {}),
                429: error("`throttled`: too many queries; retry after `Retry-After` seconds."),
            }
        ),
    )


NOT_PROJECTED = OpenApiResponse(
    NotYetProjectedSerializer,
    description="`not_found`: no such order, not yours, or not projected yet (see metadata).",
)
