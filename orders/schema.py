"""The write side's part of the OpenAPI schema (drf-spectacular): the shapes commands answer
with, the one error envelope of the whole API, and the decorator each command view wears.

These serializers only describe JSON that views build as plain dicts (order_view.py,
api_errors.py); they never serialize anything at run time. tests/schema holds the two
together: the fuzz test validates every live response against the schema made from them.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers

from .domain.order import MAX_QUANTITY
from .domain.status import OrderStatus
from .idempotency import HEADER as IDEMPOTENCY_KEY_HEADER
from .idempotency import MAX_KEY_LENGTH

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


class CommandResponseSerializer(serializers.Serializer):
    """What every successful command answers: the order as the write model now has it."""

    order = OrderViewSerializer()
    seq = serializers.IntegerField(min_value=1, help_text="The order's new sequence number.")
    consistencyToken = serializers.CharField(
        help_text="Opaque. Pass it to a query as `consistencyToken` to read your own write."
    )


# ---- catalogue and account ------------------------------------------------------------------


class ProductSerializer(serializers.Serializer):
    productId = serializers.CharField()
    name = serializers.CharField()
    unitPrice = money(help_text="The price charged: clients never send prices.")


class ProductListSerializer(serializers.Serializer):
    results = ProductSerializer(many=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    displayName = serializers.CharField(help_text="The full name, or the username without one.")
    isStaff = serializers.BooleanField(help_text="Staff see and command every order.")


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


# ---- commands -------------------------------------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        # printable ASCII with something visible: HTTP strips leading and trailing spaces
        "pattern": "^[ -~]*[!-~][ -~]*$",
    },
    OpenApiParameter.HEADER,
    description="Makes a retry safe: the same key with the same body replays the first answer "
    "(header `Idempotent-Replayed: true`); with another body it is refused (422). Per user, "
    "remembered for 24 hours.",
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    {"type": "string", "enum": ["true"]},
    OpenApiParameter.HEADER,
    response=[200, 201, 400, 403, 404, 409],  # the answers that are stored for a key
    description="Present when this is the stored answer to an earlier request with the key.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    {"type": "string", "pattern": "^[0-9]+$"},
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before retrying.",
)


STAFF_ONLY = error(
    "`forbidden`: ship and deliver are staff actions, and the caller is a customer (the "
    "order is theirs: another customer's order is 404); or `not_authenticated`: no session; "
    "or `permission_denied`: a missing or wrong X-CSRFToken header."
)


def command_schema(
    operation_id: str, summary: str, request, *, creates: bool = False, staff_only: bool = False
):
    """Class decorator: the OpenAPI description of one command endpoint's POST (API.md,
    "Commands"). `staff_only`: customers are refused with 403 `forbidden`."""
    success = OpenApiResponse(
        CommandResponseSerializer,
        description="The command was applied (or replayed: see Idempotent-Replayed).",
    )
    responses = {
        201 if creates else 200: success,
        400: INVALID,
        **({} if creates else {404: error("`not_found`: no such order, or not yours.")}),
        409: error(
            "`invalid_transition` (with `currentStatus`): the order's status does not allow "
            "this; `version_conflict` (with `currentSeq`): `expectedVersion` is not the "
            "order's version; `request_in_progress`: a request with this Idempotency-Key is "
            "still running, or its commit failed and its outcome is not known yet."
        ),
        413: TOO_LARGE,
        422: error("`idempotency_key_reused`: the Idempotency-Key came with another body."),
        429: THROTTLED,
    }
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            tags=["commands"],
            request=request,
            parameters=[IDEMPOTENCY_KEY, REPLAYED, RETRY_AFTER],
            responses=login_required(responses) | ({403: STAFF_ONLY} if staff_only else {}),
        )
    )
