"""Reads and writes a projection's per-order rows as plain dicts."""

from django.db import models

from .projections.base import Projection, Row


def writable_columns(model: type[models.Model]) -> list[str]:
    """Field names PostgreSQL lets us write (generated columns are computed by it)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not isinstance(field, models.GeneratedField)
    ]


def load_row(projection: Projection, order_id) -> Row | None:
    model = projection.row_model
    return model.objects.filter(pk=order_id).values(*writable_columns(model)).first()


def save_row(projection: Projection, row: Row) -> None:
    model = projection.row_model
    columns = writable_columns(model)
    model.objects.bulk_create(
        [model(**{name: row[name] for name in columns})],
        update_conflicts=True,
        unique_fields=["order_id"],
        update_fields=[name for name in columns if name != "order_id"],
    )
