"""The JSON shapes the whole API shares (API.md), described for drf-spectacular: money and
status fields, the OrderView that commands answer with and order_details serves, and the one
error envelope with the refusals every endpoint can give.

Both sides use them (orders/schema.py for commands, readmodels/queries and ops for the rest),
so they live here rather than in either. They only describe JSON that views build as plain
dicts; tests/schema validates every live answer against the schema made from them.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from orders.domain.order import MAX_QUANTITY
from orders.domain.status import OrderStatus

ORDER_STATUSES = [status.value for status in OrderStatus]


def money(**kwargs) -> serializers.DecimalField:
    """A decimal string such as "19.90" (API.md: money is never a JSON number)."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def order_status(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=ORDER_STATUSES, **kwargs)


# ---- orders ---------------------------------------------------------------------------------


class OrderItemSerializer(serializers.Serializer):
    productId = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unitPrice = money(help_text="The catalogue price when the order was placed.")


class TimelineEntrySerializer(serializers.Serializer):
    status = order_status()
    at = serializers.DateTimeField()


class OrderViewSerializer(serializers.Serializer):
    """One order as the command API and the order_details read model show it."""

    orderId = serializers.UUIDField()
    customer = serializers.CharField(help_text="The customer's display name.")
    status = order_status()
    items = OrderItemSerializer(many=True)
    itemCount = serializers.IntegerField(min_value=0)
    total = money()
    trackingNumber = serializers.CharField(allow_null=True)
    cancelReason = serializers.CharField(allow_null=True)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    seq = serializers.IntegerField(
        min_value=1, help_text="The order's sequence number: the write-model version shown."
    )
    timeline = TimelineEntrySerializer(many=True, help_text="Status changes, oldest first.")


# ---- errors ---------------------------------------------------------------------------------

VALIDATION_ERROR_CODES = ["invalid"]  # an enum of one (config/openapi_settings.py names it)
FIELD_ERRORS_HELP = 'Messages per field, e.g. {"items[0].quantity": ["…"]}; "body" for the whole.'


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Machine-readable: invalid, not_found, invalid_transition, version_conflict, "
        "request_in_progress, idempotency_key_reused, forbidden, not_authenticated, "
        "permission_denied, throttled, too_large, …"
    )
    message = serializers.CharField(help_text="For people; may change.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=FIELD_ERRORS_HELP,
    )
    currentStatus = order_status(required=False, help_text="With invalid_transition.")
    currentSeq = serializers.IntegerField(required=False, help_text="With version_conflict.")
    retryAfterSeconds = serializers.IntegerField(
        min_value=1, required=False, help_text="With throttled: as the Retry-After header."
    )
    maxBytes = serializers.IntegerField(
        min_value=0, required=False, help_text="With too_large: the largest body accepted."
    )


class ErrorResponseSerializer(serializers.Serializer):
    """The one error envelope of the API: {"error": {"code", "message", ...}}."""

    error = ErrorBodySerializer()


class ValidationErrorBodySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=VALIDATION_ERROR_CODES)
    message = serializers.CharField(help_text="For people; may change.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text=FIELD_ERRORS_HELP
    )


class ValidationErrorSerializer(serializers.Serializer):
    """400: what was wrong, field by field."""

    error = ValidationErrorBodySerializer()


def error(description: str, serializer=ErrorResponseSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


INVALID = error(
    "`invalid`: a parameter, the body or a header is not acceptable.", ValidationErrorSerializer
)
NOT_LOGGED_IN = error(
    "`not_authenticated`: no session (log in at /accounts/login/); or `permission_denied`: "
    "a missing or wrong X-CSRFToken header on an unsafe method, or not staff."
)
TOO_LARGE = error("`too_large` (with `maxBytes`): the request body is too large.")
THROTTLED = error("`throttled`: too many commands; retry after `Retry-After` seconds.")


def login_required(responses: dict) -> dict:
    """A success response plus the refusal every endpoint that needs a session can give."""
    return dict(sorted({**responses, 403: NOT_LOGGED_IN}.items()))


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    {"type": "string", "pattern": "^[0-9]+$"},
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before retrying.",
)
