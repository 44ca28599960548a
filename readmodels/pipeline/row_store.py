"""Reads and writes a projection's per-order rows as plain dicts, many orders per statement.

Both statements have one text per row table whatever the number of orders (arrays of values,
not a placeholder per value), so they are prepared statements (readmodels/pipeline/prepared.py)
and build no ORM query per projector task. Values go through the model fields' own
conversions (JSON in and out), as the ORM would do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import models

from readmodels.pipeline.prepared import prepared_cursor
from readmodels.projections.base import Projection, Row
from readmodels.read_database import read_connection


def writable_columns(model: type[models.Model]) -> list[str]:
    """Field names PostgreSQL lets us write (generated columns are computed by it)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not isinstance(field, models.GeneratedField)
    ]


@dataclass(frozen=True)
class RowStatements:
    columns: list[str]
    fields: list[models.Field]
    loaded: list[tuple[str, models.Field]]  # the columns a field converts (JSON text)
    select: str  # the rows of an array of order ids
    upsert: str  # insert or overwrite rows given as one array per column


@cache
def statements_for(model: type[models.Model]) -> RowStatements:
    connection = read_connection()
    columns = writable_columns(model)
    fields = [model._meta.get_field(name) for name in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(field.column) for field in fields]
    # Arrays of the base types: a cast to varchar(16) would cut a longer value short, where the
    # insert's own conversion refuses it (a refused row, as with the ORM).
    arrays = ", ".join(f"%s::{field.db_type(connection).split('(')[0]}[]" for field in fields)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in names[1:])
    return RowStatements(
        columns=columns,
        fields=fields,
        loaded=[(f.attname, f) for f in fields if hasattr(f, "from_db_value")],
        select=f"SELECT {', '.join(names)} FROM {table} WHERE {names[0]} = ANY(%s::uuid[])",
        upsert=(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({arrays})"
            f" ON CONFLICT ({names[0]}) DO UPDATE SET {updates}"
        ),
    )


def load_row(projection: Projection, order_id) -> Row | None:
    return load_rows(projection, [order_id]).get(order_id)


def load_rows(projection: Projection, order_ids) -> dict:
    """{order_id: row} for the orders that have a row."""
    statements = statements_for(projection.row_model)
    connection = read_connection()
    with prepared_cursor(connection) as cursor:
        cursor.execute(statements.select, [list(order_ids)])
        values = cursor.fetchall()
    rows = {}
    for row_values in values:
        row = dict(zip(statements.columns, row_values, strict=True))
        for name, field in statements.loaded:
            row[name] = field.from_db_value(row[name], None, connection)
        rows[row["order_id"]] = row
    return rows


def save_rows(projection: Projection, rows: list[Row]) -> None:
    """Insert or overwrite these rows in one statement."""
    if not rows:
        return
    statements = statements_for(projection.row_model)
    connection = read_connection()
    arrays = [
        [field.get_db_prep_save(row[name], connection) for row in rows]
        for name, field in zip(statements.columns, statements.fields, strict=True)
    ]
    with prepared_cursor(connection) as cursor:
        cursor.execute(statements.upsert, arrays)
