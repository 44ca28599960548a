"""GET /api/ops/health (staff): the alert rules, evaluated against the live state."""

from __future__ import annotations

from django.utils import timezone
from rest_framework.response import Response

from readmodels.ops.alert_rules import FIRING, OK, RuleState, evaluate
from readmodels.ops.api import StaffApi
from readmodels.ops.schema import OpsHealthSerializer, ops_schema


def rule_json(state: RuleState) -> dict:
    return {
        "rule": state.rule.name,
        "status": FIRING if state.firing else OK,
        "severity": state.rule.severity,
        "value": state.value,
        "threshold": state.threshold,
        "readModel": state.worst_read_model if state.firing else None,
        "byReadModel": state.by_read_model,
        "thresholdByReadModel": state.thresholds,
        "description": state.rule.description,
        "runbookUrl": state.rule.runbook_url,
    }


class OpsHealthApi(StaffApi):
    @ops_schema("getOpsHealth", "The alert rules, evaluated now", OpsHealthSerializer)
    def get(self, request):
        rules = [rule_json(state) for state in evaluate()]
        return Response(
            {
                "at": timezone.now().isoformat(),
                "status": FIRING if any(r["status"] == FIRING for r in rules) else OK,
                "rules": rules,
            }
        )
