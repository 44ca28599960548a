"""Staff-only operations endpoints: lag per read model, demo controls and dead letters."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from readmodels.models import DeadLetter, ReadModelState
from readmodels.ops.lag_monitor import current_lag, recent_samples
from readmodels.ops.replay import replay_dead_letters
from readmodels.ops.schema import (
    DeadLetterListSerializer,
    DemoSettingsSerializer,
    LagReportSerializer,
    ReplayResultSerializer,
    demo_settings_patch,
    ops_schema,
)
from readmodels.projections import PROJECTIONS

MAX_DEMO_DELAY_MS = 10_000


class StaffApi(APIView):
    permission_classes = [IsAdminUser]


class LagApi(StaffApi):
    @ops_schema("getLag", "Lag per read model, with recent samples", LagReportSerializer)
    def get(self, request):
        return Response(
            {
                "at": timezone.now().isoformat(),
                "readModels": [
                    {
                        "readModel": lag.freshness.read_model,
                        "lagMs": lag.freshness.lag_ms,
                        "maxLagSeconds": lag.freshness.max_lag_seconds,
                        "dataAsOf": lag.freshness.data_as_of.isoformat(),
                        "stale": lag.freshness.stale,
                        "pendingOutbox": lag.pending_outbox,
                        "deadLetters": lag.dead_letters,
                        "heldOrders": lag.held.orders,
                        "heldEvents": lag.held.events,
                        "strategy": lag.strategy,
                        "history": [
                            {"at": s.at.isoformat(), "lagMs": s.lag_ms}
                            for s in recent_samples(lag.freshness.read_model)
                        ],
                    }
                    for lag in current_lag()
                ],
            }
        )


class JsonBooleanField(serializers.BooleanField):
    """true or false, and nothing else: not DRF's form-friendly 0, "no" or "on"."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class DemoControlsInput(serializers.Serializer):
    projectionDelayMs = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=MAX_DEMO_DELAY_MS), required=False
    )
    failNext = serializers.DictField(child=JsonBooleanField(), required=False)

    def validate(self, data):
        for key in ("projectionDelayMs", "failNext"):
            unknown = set(data.get(key, {})) - set(PROJECTIONS)
            if unknown:
                raise serializers.ValidationError(
                    {key: [f"Unknown read model(s): {', '.join(sorted(unknown))}."]}
                )
        return data


def demo_state() -> dict:
    states = {s.name: s for s in ReadModelState.objects.filter(name__in=PROJECTIONS)}
    return {
        "projectionDelayMs": {
            name: states[name].demo_delay_ms if name in states else 0 for name in PROJECTIONS
        },
        "failNext": {
            name: bool(states[name].fail_next_event) if name in states else False
            for name in PROJECTIONS
        },
    }


class DemoControlsApi(StaffApi):
    """Anyone logged in may read the demo controls (customers see them read-only, to know why
    their pages lag or fail); only staff change them: they apply to every user's orders."""

    def get_permissions(self):
        if self.request.method == "GET":
            return [IsAuthenticated()]
        return super().get_permissions()

    @ops_schema(
        "getDemoControls",
        "Demo controls of the Pipeline page (readable by any logged-in user)",
        DemoSettingsSerializer,
    )
    def get(self, request):
        return Response(demo_state())

    @ops_schema(
        "setDemoControls",
        "Change demo controls: a projection delay, or fail the next event",
        DemoSettingsSerializer,
        request=demo_settings_patch(max_delay_ms=MAX_DEMO_DELAY_MS),
    )
    def put(self, request):
        data = DemoControlsInput(data=request.data)
        data.is_valid(raise_exception=True)
        for name, delay in data.validated_data.get("projectionDelayMs", {}).items():
            ReadModelState.objects.update_or_create(name=name, defaults={"demo_delay_ms": delay})
        for name, fail in data.validated_data.get("failNext", {}).items():
            ReadModelState.objects.update_or_create(name=name, defaults={"fail_next_event": fail})
        return Response(demo_state())


def dead_letter_json(dead: DeadLetter) -> dict:
    return {
        "id": dead.pk,
        "readModel": dead.read_model,
        "eventType": dead.event_type,
        "orderId": str(dead.order_id),
        "seq": dead.seq,
        "error": dead.error,
        "attempts": dead.attempts,
        "firstFailedAt": dead.first_failed_at.isoformat(),
        "lastFailedAt": dead.last_failed_at.isoformat(),
    }


class DeadLetterListApi(StaffApi):
    @ops_schema("listDeadLetters", "Open dead letters (at most 500)", DeadLetterListSerializer)
    def get(self, request):
        open_letters = DeadLetter.objects.filter(resolved_at__isnull=True).order_by(
            "read_model", "order_id", "seq"
        )[:500]
        return Response({"results": [dead_letter_json(d) for d in open_letters]})


class ReplayInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)


class DeadLetterReplayApi(StaffApi):
    @ops_schema(
        "replayDeadLetters",
        "Replay dead letters by id",
        ReplayResultSerializer,
        request=ReplayInput,
    )
    def post(self, request):
        data = ReplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = replay_dead_letters(DeadLetter.objects.filter(pk__in=data.validated_data["ids"]))
        return Response(
            {
                "succeeded": len(report.succeeded),
                "failed": len(report.failed),
                "skipped": len(report.skipped),
                "details": [
                    *({"id": i, "outcome": "succeeded"} for i in report.succeeded),
                    *({"id": i, "outcome": "failed", "reason": r} for i, r in report.failed),
                    *({"id": i, "outcome": "skipped", "reason": r} for i, r in report.skipped),
                ],
            }
        )
