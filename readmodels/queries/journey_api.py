"""GET /api/orders/{id}/journey: where the time of each of an order's events went (journey.py).

Same visibility as the order: its customer and staff; anyone else gets the same 404 as for an
order that does not exist.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import error_response
from config.api_shapes import ErrorResponseSerializer, login_required
from orders.visibility import customer_scope
from readmodels.pipeline.order_owner import customer_of
from readmodels.queries.journey import JOURNEY_STATES, journey
from readmodels.queries.schema import STRATEGY_NAMES, read_model_name


class JourneyLegSerializer(serializers.Serializer):
    readModel = read_model_name()
    strategy = serializers.ChoiceField(choices=STRATEGY_NAMES)
    state = serializers.ChoiceField(choices=JOURNEY_STATES)
    relayedAt = serializers.DateTimeField(
        allow_null=True, help_text="The relay handed it to the projector (outbox strategy)."
    )
    appliedAt = serializers.DateTimeField(
        allow_null=True,
        help_text="The projection committed; `order.projected` is pushed at that moment.",
    )
    attempts = serializers.IntegerField(min_value=0, help_text="Failed attempts on the way.")
    deadLettered = serializers.BooleanField()
    replayedAt = serializers.DateTimeField(
        allow_null=True, help_text="When staff replayed its dead letter."
    )


class JourneyEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1)
    type = serializers.CharField()
    committedAt = serializers.DateTimeField()
    readModels = JourneyLegSerializer(many=True)


class JourneySerializer(serializers.Serializer):
    orderId = serializers.UUIDField()
    events = JourneyEventSerializer(many=True, help_text="Oldest first.")


class OrderJourneyApi(APIView):
    @extend_schema(
        operation_id="getOrderJourney",
        summary="Each event of an order: committed, relayed, applied per read model",
        tags=["queries"],
        responses=login_required(
            {
                200: JourneySerializer,
                404: OpenApiResponse(
                    ErrorResponseSerializer, description="`not_found`: no such order, or not yours."
                ),
            }
        ),
    )
    def get(self, request, order_id):
        owner = customer_of(order_id)
        scope = customer_scope(request.user)
        if owner is None or (scope is not None and scope != owner):
            return error_response(404, "not_found", "No such order.")
        return Response({"orderId": str(order_id), "events": journey(order_id)})
