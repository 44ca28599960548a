"""A decoder for PostgreSQL's built-in `pgoutput` logical replication protocol (version 1).

We read the slot with `pg_logical_slot_peek_binary_changes`, which returns one protocol
message per row. Only the messages this project needs are decoded: Begin, Commit, Relation
(column names of a table), Insert, Update, Delete and logical Message (our heartbeats).
Column values arrive in PostgreSQL's text format; converting them is the caller's business.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Begin:
    xid: int
    commit_time: datetime


@dataclass(frozen=True)
class Commit:
    commit_time: datetime


@dataclass(frozen=True)
class Relation:
    relation_id: int
    schema: str
    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RowChange:
    """An insert (old is None), update or delete (new is None) of one row."""

    table: str
    old: dict[str, str | None] | None
    new: dict[str, str | None] | None


@dataclass(frozen=True)
class LogicalMessage:
    prefix: str
    content: bytes


class Reader:
    def __init__(self, data: bytes):
        self.data = memoryview(data)
        self.at = 0

    def take(self, fmt: str):
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return value

    def byte(self) -> str:
        value = chr(self.data[self.at])
        self.at += 1
        return value

    def string(self) -> str:
        end = bytes(self.data[self.at :]).index(b"\0") + self.at
        value = bytes(self.data[self.at : end]).decode()
        self.at = end + 1
        return value

    def raw(self, length: int) -> bytes:
        value = bytes(self.data[self.at : self.at + length])
        self.at += length
        return value

    def timestamp(self) -> datetime:
        return POSTGRES_EPOCH + timedelta(microseconds=self.take("!q"))


def decode(data: bytes, relations: dict[int, Relation]):
    """Decode one message. Relation messages are remembered in `relations` (and returned)."""
    reader = Reader(data)
    kind = reader.byte()
    if kind == "B":
        reader.take("!q")  # final LSN of the transaction
        commit_time = reader.timestamp()
        return Begin(xid=reader.take("!i"), commit_time=commit_time)
    if kind == "C":
        reader.take("!b")  # flags
        reader.take("!q")  # commit LSN
        reader.take("!q")  # end LSN
        return Commit(commit_time=reader.timestamp())
    if kind == "R":
        relation_id, schema, table = reader.take("!I"), reader.string(), reader.string()
        reader.take("!b")  # replica identity setting
        columns = []
        for _ in range(reader.take("!h")):
            reader.take("!b")  # flags (part of the key or not)
            columns.append(reader.string())
            reader.take("!I")  # type oid
            reader.take("!i")  # type modifier
        relation = Relation(relation_id, schema, table, tuple(columns))
        relations[relation_id] = relation
        return relation
    if kind in "IUD":
        relation = relations[reader.take("!I")]
        old = new = None
        marker = reader.byte()
        if marker in "KO":  # the old row (a key only, or the whole row with REPLICA IDENTITY FULL)
            old = _tuple(reader, relation)
            marker = reader.byte() if kind == "U" else None
        if marker == "N":
            new = _tuple(reader, relation)
        return RowChange(table=relation.table, old=old, new=new)
    if kind == "M":
        reader.take("!b")  # flags: transactional or not
        reader.take("!q")  # LSN
        prefix = reader.string()
        return LogicalMessage(prefix=prefix, content=reader.raw(reader.take("!i")))
    return None  # Type, Origin, Truncate: nothing this project needs


def _tuple(reader: Reader, relation: Relation) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in relation.columns[: reader.take("!h")]:
        kind = reader.byte()
        if kind == "t":
            values[name] = reader.raw(reader.take("!i")).decode()
        elif kind == "n":
            values[name] = None
        # "u": an unchanged TOASTed value, not sent; our tables have none worth knowing
    return values
