"""Projection rows to and from the values COPY and INSERT take (JSON columns wrapped)."""

from __future__ import annotations

import json
from functools import partial
from operator import itemgetter

from django.db import models
from psycopg.types.json import Jsonb

from readmodels.pipeline.row_store import writable_columns
from readmodels.projections.base import Row
from readmodels.rebuild.tables import qn


class RowCodec:
    """Converts projection rows to COPY/INSERT values and loaded values back to rows."""

    def __init__(self, model: type[models.Model]):
        self.columns = writable_columns(model)
        self.column_list = ", ".join(map(qn, self.columns))
        self.pk = model._meta.pk.attname
        assert self.columns[0] == self.pk == "order_id", "row tables are keyed by order_id"
        self._get = itemgetter(*self.columns)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self._json = [
            (i, fields[c])
            for i, c in enumerate(self.columns)
            if isinstance(fields[c], models.JSONField)
        ]
        self._dumps = {
            i: partial(json.dumps, cls=f.encoder) if f.encoder else json.dumps
            for i, f in self._json
        }
        if not self._json:
            self.to_values = self._plain_values

    def _plain_values(self, row: Row) -> tuple:
        return self._get(row)

    def to_values(self, row: Row) -> list:
        values = list(self._get(row))
        for i, _ in self._json:
            values[i] = Jsonb(values[i], dumps=self._dumps[i])
        return values

    def from_values(self, values: tuple) -> Row:
        row = dict(zip(self.columns, values, strict=True))
        for i, json_field in self._json:
            value = values[i]
            if isinstance(value, str | bytes):
                row[self.columns[i]] = json.loads(value, cls=json_field.decoder)
        return row
