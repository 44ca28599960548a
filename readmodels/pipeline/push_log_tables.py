"""Tables of the push streams (readmodels/pipeline/push_log.py): where each user's stream has
reached, and the messages it carried, kept for a while so that a client can resume."""

from django.db import models
from django.db.models.functions import Now


class PushStream(models.Model):
    """One stream: "staff" (every order) or "customer:<id>" (that customer's orders). Its row
    is also the lock that keeps its positions contiguous and in commit order."""

    stream = models.CharField(primary_key=True, max_length=40)
    last_position = models.BigIntegerField(default=0)

    class Meta:
        db_table = "push_streams"

    def __str__(self):
        return f"{self.stream} at {self.last_position}"


class PushLogEntry(models.Model):
    """A push message at its position in one stream, as the client receives it."""

    id = models.BigAutoField(primary_key=True)
    stream = models.CharField(max_length=40)
    position = models.BigIntegerField()
    message = models.JSONField()
    recorded_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "push_log"
        constraints = [
            models.UniqueConstraint(fields=["stream", "position"], name="push_log_position"),
        ]
        indexes = [models.Index(fields=["recorded_at"], name="push_log_recorded_idx")]

    def __str__(self):
        return f"{self.stream} #{self.position}"
