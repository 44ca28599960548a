"""The staff operations endpoints' part of the OpenAPI schema (drf-spectacular): lag, demo
controls, dead letters and their replay, and the alert rules' health; and the decorator the
ops views wear.

Like orders/schema.py, these serializers only describe JSON the views build as dicts.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers

from config.api_shapes import (
    INVALID,
    TOO_LARGE,
    error,
)
from readmodels.ops.alert_rules import FIRING, OK
from readmodels.queries.schema import READ_MODEL_NAMES, STRATEGY_NAMES, read_model_name

RULE_STATUSES = [OK, FIRING]
REPLAY_OUTCOMES = ["succeeded", "failed", "skipped"]


# ---- operations (staff) ---------------------------------------------------------------------


class LagSampleSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    lagMs = serializers.IntegerField(min_value=0)


class ReadModelLagSerializer(serializers.Serializer):
    readModel = read_model_name()
    lagMs = serializers.IntegerField(min_value=0)
    maxLagSeconds = serializers.IntegerField(min_value=0)
    dataAsOf = serializers.DateTimeField()
    stale = serializers.BooleanField()
    pendingOutbox = serializers.IntegerField(min_value=0)
    deadLetters = serializers.IntegerField(min_value=0)
    heldOrders = serializers.IntegerField(
        min_value=0,
        help_text="Orders held behind an open dead letter: left out of lagMs and stale.",
    )
    heldEvents = serializers.IntegerField(
        min_value=0, help_text="Their events not applied: the dead ones and those parked."
    )
    strategy = serializers.ChoiceField(choices=STRATEGY_NAMES)
    history = LagSampleSerializer(many=True, help_text="Recent samples, oldest first.")


class LagReportSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    readModels = ReadModelLagSerializer(many=True)


class DemoSettingsSerializer(serializers.Serializer):
    projectionDelayMs = serializers.DictField(child=serializers.IntegerField(min_value=0))
    failNext = serializers.DictField(child=serializers.BooleanField())


def by_read_model(value_schema: dict) -> dict:
    """An object keyed by read model name; other keys are refused."""
    properties = dict.fromkeys(READ_MODEL_NAMES, value_schema)
    return {"type": "object", "properties": properties, "additionalProperties": False}


def demo_settings_patch(*, max_delay_ms: int) -> type[serializers.Serializer]:
    """The body of PUT /api/ops/demo, which ops_api.DemoControlsInput validates: its dicts
    are keyed by read model name, which a DictField cannot say in the schema."""

    @extend_schema_field(by_read_model({"type": "integer", "minimum": 0, "maximum": max_delay_ms}))
    class DelaysByReadModel(serializers.DictField):
        pass

    @extend_schema_field(by_read_model({"type": "boolean"}))
    class FlagsByReadModel(serializers.DictField):
        pass

    class DemoSettingsPatchSerializer(serializers.Serializer):
        projectionDelayMs = DelaysByReadModel(required=False, help_text="Milliseconds.")
        failNext = FlagsByReadModel(required=False, help_text="Fail its next event.")

    return DemoSettingsPatchSerializer


class DeadLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    readModel = read_model_name()
    eventType = serializers.CharField()
    orderId = serializers.UUIDField()
    seq = serializers.IntegerField(min_value=1)
    error = serializers.CharField()
    attempts = serializers.IntegerField(min_value=0)
    firstFailedAt = serializers.DateTimeField()
    lastFailedAt = serializers.DateTimeField()


class DeadLetterListSerializer(serializers.Serializer):
    results = DeadLetterSerializer(many=True)


class ReplayOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=REPLAY_OUTCOMES)
    reason = serializers.CharField(required=False)


class ReplayResultSerializer(serializers.Serializer):
    succeeded = serializers.IntegerField(min_value=0)
    failed = serializers.IntegerField(min_value=0)
    skipped = serializers.IntegerField(min_value=0)
    details = ReplayOutcomeSerializer(many=True)


class AlertRuleStateSerializer(serializers.Serializer):
    rule = serializers.CharField()
    status = serializers.ChoiceField(choices=RULE_STATUSES)
    severity = serializers.CharField()
    value = serializers.FloatField(
        help_text="The worst read model's value (the one furthest over its threshold)."
    )
    threshold = serializers.FloatField(help_text="The worst read model's threshold.")
    readModel = read_model_name(allow_null=True, help_text="The worst one, when firing.")
    byReadModel = serializers.DictField(child=serializers.FloatField())
    thresholdByReadModel = serializers.DictField(
        child=serializers.FloatField(),
        help_text="Each read model's threshold: the lag rules derive it from the read "
        "model's own maxLagSeconds; the others use one number for all.",
    )
    description = serializers.CharField()
    runbookUrl = serializers.CharField()


class OpsHealthSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=RULE_STATUSES)
    rules = AlertRuleStateSerializer(many=True)


STAFF_ONLY = error(
    "`not_authenticated`: no session; `permission_denied`: not staff, or a missing or wrong "
    "X-CSRFToken header on an unsafe method."
)


def ops_schema(operation_id: str, summary: str, response, *, request=None) -> extend_schema:
    """The OpenAPI description of one staff operations endpoint."""
    with_body = {} if request is None else {400: INVALID, 413: TOO_LARGE}
    responses = dict(sorted({200: response, 403: STAFF_ONLY, **with_body}.items()))
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        tags=["operations"],
        request=request,
        responses=responses,
    )
