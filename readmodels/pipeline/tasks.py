"""The pipeline's Celery task: a delivery of outbox rows to their read model's projector.
Thin: it passes ids and calls one function; retries live in retry_policy. (readmodels/tasks.py
imports it, where Celery looks for tasks, beside the periodic ones.)"""

from celery import shared_task

from readmodels.metrics import counting_errors
from readmodels.pipeline.projector import project_messages


@shared_task(name="readmodels.project", acks_late=True, ignore_result=True)
def project(read_model: str, message_ids: list[int]) -> None:
    with counting_errors(read_model):  # a crash is a projection error too (metrics)
        project_messages(read_model, message_ids)
