"""Input validation for commands. Output shapes live in order_view.py."""

from rest_framework import serializers

from .domain.order import MAX_ITEMS, MAX_QUANTITY, MAX_TEXT


class RequestedItemInput(serializers.Serializer):
    productId = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class PlaceOrderInput(serializers.Serializer):
    items = serializers.ListField(
        child=RequestedItemInput(), min_length=1, max_length=MAX_ITEMS, allow_empty=False
    )


class ChangeOrderInput(serializers.Serializer):
    expectedVersion = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ShipOrderInput(ChangeOrderInput):
    trackingNumber = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=True)


class CancelOrderInput(ChangeOrderInput):
    reason = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=True)
