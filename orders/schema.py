"""The write side's part of the OpenAPI schema (drf-spectacular): what commands answer with and
the decorator each command view wears. The shapes both sides share (OrderView, the error
envelope) are in config/api_shapes.py.

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

from config.api_shapes import (
    INVALID,
    RETRY_AFTER,
    THROTTLED,
    TOO_LARGE,
    OrderViewSerializer,
    error,
    login_required,
    money,
)

from .idempotency import HEADER as IDEMPOTENCY_KEY_HEADER
from .idempotency import MAX_KEY_LENGTH

# ---- orders ---------------------------------------------------------------------------------


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
