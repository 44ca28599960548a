"""Validation of query-string parameters; bad values get 400 with a message per field."""

from rest_framework import serializers

from orders.consistency_token import ConsistencyToken
from orders.domain.status import OrderStatus

MAX_PAGE_SIZE = 100
MAX_WAIT_MS = 5000


class ReadYourWritesParams(serializers.Serializer):
    consistencyToken = serializers.CharField(
        required=False,
        max_length=200,
        help_text="The token a command returned: the answer says whether it reflects that "
        "write (metadata.consistencyTokenReached). Anything else is refused (400).",
    )
    waitMs = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_WAIT_MS,
        default=0,
        help_text="With consistencyToken: wait up to this long for the read model to catch up.",
    )

    def validate_consistencyToken(self, value: str) -> ConsistencyToken:
        try:
            return ConsistencyToken.decode(value)
        except ValueError:
            raise serializers.ValidationError(
                "Not a consistency token; pass the one a command returned."
            ) from None


class OrderDetailParams(ReadYourWritesParams):
    provisional = serializers.BooleanField(
        required=False,
        default=True,
        help_text="When order_details cannot show the order as its events have it (held behind "
        "a dead letter, or the consistency token not reached after the wait), answer with the "
        "order folded from its events, flagged `provisional`. false: the read model's row only.",
    )


class OrderListParams(ReadYourWritesParams):
    status = serializers.ChoiceField(
        choices=[s.value for s in OrderStatus], required=False, help_text="Only this status."
    )
    ordering = serializers.ChoiceField(
        choices=["createdAt", "-createdAt"],
        required=False,
        default="-createdAt",
        help_text="By creation time; ignored by a search, which ranks by relevance.",
    )
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    pageSize = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE_SIZE, required=False, default=20
    )
    q = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Full-text search (order_search): orders matching every word, best first.",
    )


class AnalyticsParams(ReadYourWritesParams):
    days = serializers.IntegerField(
        min_value=1,
        max_value=366,
        required=False,
        default=30,
        help_text="The most recent days with orders to include in byDay.",
    )


def validated_params(serializer_class, query_params) -> dict:
    """Validate a QueryDict as it is (not `.dict()`): DRF then treats an empty value such as
    `?page=` as not given, so API.md's template `?status=&page=&pageSize=` means the defaults."""
    serializer = serializer_class(data=query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
