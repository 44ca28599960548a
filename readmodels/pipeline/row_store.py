"""Reads and writes a projection's per-order rows as plain dicts, many orders per statement."""

from django.db import models

from readmodels.projections.base import Projection, Row


def writable_columns(model: type[models.Model]) -> list[str]:
    """Field names PostgreSQL lets us write (generated columns are computed by it)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not isinstance(field, models.GeneratedField)
    ]


def load_row(projection: Projection, order_id) -> Row | None:
    return load_rows(projection, [order_id]).get(order_id)


def load_rows(projection: Projection, order_ids) -> dict:
    """{order_id: row} for the orders that have a row."""
    model = projection.row_model
    rows = model.objects.filter(pk__in=order_ids).values(*writable_columns(model))
    return {row["order_id"]: row for row in rows}


def save_rows(projection: Projection, rows: list[Row]) -> None:
    """Insert or overwrite these rows in one statement."""
    if not rows:
        return
    model = projection.row_model
    columns = writable_columns(model)
    model.objects.bulk_create(
        [model(**{name: row[name] for name in columns}) for row in rows],
        update_conflicts=True,
        unique_fields=["order_id"],
        update_fields=[name for name in columns if name != "order_id"],
    )
