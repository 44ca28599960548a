"""Periodic housekeeping so that pipeline tables do not grow without bound."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState
from readmodels.pipeline.push_log import delete_old_entries


def delete_old_pipeline_rows() -> dict[str, int]:
    """Delete done outbox rows older than the retention period.

    Safe because none is needed once a read row's `seq` covers its event: the seq guard
    alone turns a very late duplicate into a no-op.
    """
    cutoff = timezone.now() - timedelta(hours=settings.OUTBOX_RETENTION_HOURS)
    outbox, _ = OutboxMessage.objects.filter(state=OutboxState.DONE, done_at__lt=cutoff).delete()
    return {"outbox": outbox, "push_log": delete_old_entries()}
