"""Celery tasks: thin. They pass ids and call one function; retries live in retry_policy."""

from celery import shared_task

from readmodels.metrics import counting_errors
from readmodels.pipeline.projector import project_messages


@shared_task(name="readmodels.project", acks_late=True, ignore_result=True)
def project(read_model: str, message_ids: list[int]) -> None:
    with counting_errors(read_model):  # a crash is a projection error too (metrics)
        project_messages(read_model, message_ids)


@shared_task(name="readmodels.delete_old_pipeline_rows", ignore_result=True)
def delete_old_pipeline_rows() -> dict[str, int]:
    from readmodels.pipeline.maintenance import delete_old_pipeline_rows as delete

    return delete()


@shared_task(name="readmodels.record_lag", ignore_result=True)
def record_lag() -> None:
    from readmodels.ops.lag_monitor import record_lag as record

    record()


@shared_task(name="readmodels.heartbeat", ignore_result=True)
def heartbeat(queue: str) -> None:
    """Sent by beat to each projector queue (settings): proves a worker consumes it."""
    from readmodels.ops.heartbeat import beat

    beat(queue)
