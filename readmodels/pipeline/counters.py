"""Applies projections' counter deltas (projections/base.py: CounterDeltas) to their tables.

One upsert per counter table, its rows in key order, so that two batches adjusting the same
counters wait for each other instead of deadlocking. Precondition: inside the transaction
that saves the rows the deltas come from.
"""

from __future__ import annotations

from readmodels.projections.base import CounterDeltas
from readmodels.read_database import read_connection


def add_to_counters(changes: list[CounterDeltas]) -> None:
    connection = read_connection()  # the counter tables are read tables
    with connection.cursor() as cursor:
        for change in changes:
            if change.deltas:
                cursor.execute(*_upsert(change, connection))


def _upsert(change: CounterDeltas, connection) -> tuple[str, list]:
    fields = {field.column: field for field in change.model._meta.fields}
    keys = sorted(change.deltas)
    columns = sorted({column for deltas in change.deltas.values() for column in deltas})
    arrays = ", ".join(
        f"%s::{fields[column].db_type(connection)}[]" for column in [change.key, *columns]
    )
    additions = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in columns)
    sql = (
        f"INSERT INTO {change.model._meta.db_table} AS t ({change.key}, {', '.join(columns)})"
        f" SELECT * FROM unnest({arrays}) ORDER BY 1"
        f" ON CONFLICT ({change.key}) DO UPDATE SET {additions}"
    )
    values = [keys, *([change.deltas[k].get(column, 0) for k in keys] for column in columns)]
    return sql, values
