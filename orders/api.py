"""Command endpoints: one thin class per operation — validate, call one service, shape output."""

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .domain.commands import (
    CancelOrder,
    ConfirmOrder,
    DeliverOrder,
    PlaceOrder,
    RequestedItem,
    ShipOrder,
)
from .idempotency import run_idempotently
from .metrics import command_name, observe_command
from .models import Product
from .order_view import order_view
from .schema import ProductListSerializer, command_schema, login_required
from .serializers import CancelOrderInput, ChangeOrderInput, PlaceOrderInput, ShipOrderInput
from .throttling import CommandRateThrottle


def command_response(result: services.CommandResult, status: int = 200) -> Response:
    return Response(
        {
            "order": order_view(result.order),
            "seq": result.seq,
            "consistencyToken": result.consistency_token,
        },
        status=status,
    )


def validated(serializer_class: type[drf_serializers.Serializer], data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CommandApi(APIView):
    """Runs `execute` under the Idempotency-Key protocol. Subclasses implement `execute`."""

    throttle_classes = [CommandRateThrottle]  # 429 past COMMAND_RATE_LIMIT per user

    def post(self, request, **kwargs):
        return run_idempotently(request, lambda: self.execute(request, **kwargs))

    def dispatch(self, request, *args, **kwargs):  # counted and timed: orders/metrics.py
        with observe_command(command_name(type(self))) as answer:
            response = super().dispatch(request, *args, **kwargs)
            answer["status"] = response.status_code
        return response

    def execute(self, request, **kwargs) -> Response:
        raise NotImplementedError


@command_schema("placeOrder", "Place an order", PlaceOrderInput, creates=True)
class PlaceOrderApi(CommandApi):
    def execute(self, request):
        command = place_order_command(request.data)
        return command_response(services.place_order(command=command, actor=request.user), 201)


def place_order_command(body) -> PlaceOrder:
    """The PlaceOrder a request body asks for (validated: 400 otherwise)."""
    data = validated(PlaceOrderInput, body)
    return PlaceOrder(
        items=tuple(
            RequestedItem(product_id=item["productId"], quantity=item["quantity"])
            for item in data["items"]
        )
    )


@command_schema("confirmOrder", "Confirm a pending order", ChangeOrderInput)
class ConfirmOrderApi(CommandApi):
    def execute(self, request, order_id: UUID):
        data = validated(ChangeOrderInput, request.data)
        command = ConfirmOrder(order_id=order_id, expected_version=data.get("expectedVersion"))
        return command_response(services.confirm_order(command=command, actor=request.user))


@command_schema("shipOrder", "Ship a confirmed order (staff)", ShipOrderInput, staff_only=True)
class ShipOrderApi(CommandApi):
    def execute(self, request, order_id: UUID):
        data = validated(ShipOrderInput, request.data)
        command = ShipOrder(
            order_id=order_id,
            tracking_number=data["trackingNumber"],
            expected_version=data.get("expectedVersion"),
        )
        return command_response(services.ship_order(command=command, actor=request.user))


@command_schema(
    "deliverOrder", "Mark a shipped order delivered (staff)", ChangeOrderInput, staff_only=True
)
class DeliverOrderApi(CommandApi):
    def execute(self, request, order_id: UUID):
        data = validated(ChangeOrderInput, request.data)
        command = DeliverOrder(order_id=order_id, expected_version=data.get("expectedVersion"))
        return command_response(services.deliver_order(command=command, actor=request.user))


@command_schema("cancelOrder", "Cancel a pending or confirmed order", CancelOrderInput)
class CancelOrderApi(CommandApi):
    def execute(self, request, order_id: UUID):
        data = validated(CancelOrderInput, request.data)
        command = CancelOrder(
            order_id=order_id, reason=data["reason"], expected_version=data.get("expectedVersion")
        )
        return command_response(services.cancel_order(command=command, actor=request.user))


class ProductListApi(APIView):
    """The catalogue customers order from. Prices shown here are the prices charged."""

    @extend_schema(
        operation_id="listProducts",
        summary="The catalogue: products for sale, with the prices charged",
        tags=["catalogue"],
        responses=login_required({200: ProductListSerializer}),
    )
    def get(self, request):
        products = Product.objects.filter(active=True).order_by("name")
        return Response(
            {
                "results": [
                    {"productId": p.product_id, "name": p.name, "unitPrice": str(p.unit_price)}
                    for p in products
                ]
            }
        )
