"""The Celery app. Workers consume one queue per read model (see readmodels/tasks.py)."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("orders")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def reuse_healthy_connections(**_) -> None:
    """What Django does around each request: drop a connection that is broken or older than
    CONN_MAX_AGE, keep the rest (Celery's own closing is off: CELERY_DB_REUSE_MAX)."""
    from django.db import close_old_connections

    close_old_connections()
