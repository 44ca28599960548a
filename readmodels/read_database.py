"""Where the read models' tables live: the `read` database alias when READ_DATABASE_URL is
set, else the write database (`default`).

The read tables are the projections' rows and counters: what queries serve and what a
rebuild can always recreate from the event log. Everything about outbox rows stays with
the write database, beside the rows it is about: dead letters (they point at events),
retries, and the read side's operational state (rebuild history, demo controls, lag
samples, the CDC slot's progress), which staff and monitors read together with the outbox.

A Django router (`ReadTablesRouter`, DATABASE_ROUTERS) sends ORM queries and migrations of
the read tables to the read alias; raw SQL on them uses `read_connection()`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

READ_ALIAS = "read"
WRITE_ALIAS = "default"

# The models (lower-case names in the readmodels app) whose tables are read tables.
READ_TABLE_MODELS = frozenset(
    {
        "ordersummary",
        "orderdetail",
        "ordersearchentry",
        "analyticsorder",
        "analyticsbystatus",
        "analyticsbyday",
    }
)


def read_alias() -> str:
    """The database alias holding the read tables."""
    return READ_ALIAS if READ_ALIAS in settings.DATABASES else WRITE_ALIAS


def read_connection():
    return connections[read_alias()]


def separate_read_database() -> bool:
    """True when the read tables are in another database than the write tables (then no
    transaction can span both)."""
    read = settings.DATABASES.get(READ_ALIAS)
    if read is None:
        return False
    write = settings.DATABASES[WRITE_ALIAS]
    return any(read.get(key) != write.get(key) for key in ("HOST", "PORT", "NAME"))


def is_read_table(app_label: str, model_name: str | None) -> bool:
    return app_label == "readmodels" and (model_name or "").lower() in READ_TABLE_MODELS


class ReadTablesRouter:
    """Read tables to `read_alias()`, everything else to the write database."""

    def db_for_read(self, model, **hints):
        return self._alias(model)

    def db_for_write(self, model, **hints):
        return self._alias(model)

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if READ_ALIAS not in settings.DATABASES:
            return None
        if is_read_table(app_label, model_name):
            return db == READ_ALIAS
        # Everything else, and operations naming no model (RunSQL without a model_name hint),
        # belongs to the write database.
        return db == WRITE_ALIAS

    def _alias(self, model):
        meta = model._meta
        return read_alias() if is_read_table(meta.app_label, meta.model_name) else None
