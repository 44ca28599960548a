"""Celery tasks, where Celery looks for them: the pipeline's delivery task (defined in
pipeline/tasks.py, beside what it calls) and the periodic jobs beat sends. Thin: they pass
ids and call one function."""

from celery import shared_task

from readmodels.pipeline.tasks import project

__all__ = ["delete_old_pipeline_rows", "heartbeat", "project", "record_lag"]


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
