"""The shadow tables of a rebuild: their names, the live tables' indexes and grants copied
onto them, and the renames that swap them in (PostgreSQL DDL)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.db import models

from readmodels.rebuild.errors import RebuildFailed

SHADOW_SUFFIX = "__rebuild"
OLD_SUFFIX = "__old"


@dataclass(frozen=True)
class TableNames:
    """A read table's live name, its shadow's while rebuilding, and the old one's at the swap."""

    live: str
    shadow: str
    old: str


def qn(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def table_names(model: type[models.Model]) -> TableNames:
    live = model._meta.db_table
    return TableNames(
        live=live, shadow=suffixed(live, SHADOW_SUFFIX), old=suffixed(live, OLD_SUFFIX)
    )


def suffixed(name: str, suffix: str) -> str:
    """`name + suffix`, shortened with a hash to fit PostgreSQL's 63-byte identifiers."""
    if len(name) + len(suffix) <= 63:
        return name + suffix
    digest = hashlib.md5(name.encode()).hexdigest()[:8]
    return f"{name[: 63 - len(suffix) - 9]}_{digest}{suffix}"


def column_types(cursor, table: str, columns: list[str]) -> list[int]:
    """The type oids of `columns` of `table`, for a binary COPY."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    oids = dict(cursor.fetchall())
    return [oids[column] for column in columns]


def copy_indexes(cursor, table: TableNames) -> dict[str, str]:
    """Give the shadow table the live table's indexes and index-backed constraints, under
    temporary names. Returns {shadow index name: live index name}."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid), c.oid IS NOT NULL,
               pg_get_constraintdef(c.oid)
        FROM pg_index AS x
        JOIN pg_class AS i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint AS c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
        WHERE x.indrelid = %s::regclass
        ORDER BY i.relname
        """,
        [table.live],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT count(*) FROM pg_constraint"
        " WHERE contype = 'f' AND %s::regclass IN (conrelid, confrelid)",
        [table.live],
    )
    if cursor.fetchone()[0]:
        raise RebuildFailed(f"{table.live} has foreign keys; rebuild does not support them")
    names = {}
    for live_name, index_def, is_constraint, constraint_def in indexes:
        shadow_name = suffixed(live_name, SHADOW_SUFFIX)
        names[shadow_name] = live_name
        if is_constraint:
            cursor.execute(
                f"ALTER TABLE {qn(table.shadow)} ADD CONSTRAINT {qn(shadow_name)} {constraint_def}"
            )
            continue
        match = re.fullmatch(
            r"CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)", index_def, re.S
        )
        if not match:
            raise RebuildFailed(f"cannot copy index {live_name} of {table.live}: {index_def}")
        unique, method = match.group(1) or "", match.group(2)
        cursor.execute(f"CREATE {unique}INDEX {qn(shadow_name)} ON {qn(table.shadow)} {method}")
    return names


def copy_grants(cursor, table: TableNames) -> None:
    """Grant on the shadow table what is granted on the live one (say, to a read-only role
    of the query side): CREATE TABLE ... LIKE does not copy privileges."""
    cursor.execute(
        """
        SELECT acl.privilege_type,
               CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                    ELSE quote_ident(pg_get_userbyid(acl.grantee)) END,
               acl.is_grantable
        FROM pg_class AS c, aclexplode(c.relacl) AS acl
        WHERE c.oid = %s::regclass AND acl.grantee <> c.relowner
        """,
        [table.live],
    )
    for privilege, grantee, grantable in cursor.fetchall():
        option = " WITH GRANT OPTION" if grantable else ""
        cursor.execute(f"GRANT {privilege} ON {qn(table.shadow)} TO {grantee}{option}")


def index_names(cursor, table_name: str) -> list[str]:
    cursor.execute(
        "SELECT i.relname FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass",
        [table_name],
    )
    return sorted(name for (name,) in cursor.fetchall())


def rename_into_place(cursor, table: TableNames, shadow_to_live: dict[str, str]) -> None:
    """live → old, shadow → live, and the shadow's indexes take the live indexes' names.

    Precondition: inside the swap transaction (the renames are visible only together)."""

    def rename(kind: str, old: str, new: str) -> None:
        cursor.execute(f"ALTER {kind} {qn(old)} RENAME TO {qn(new)}")

    rename("TABLE", table.live, table.old)  # waits for running queries of the live table
    live_indexes = index_names(cursor, table.old)
    if sorted(shadow_to_live.values()) != live_indexes:
        raise RebuildFailed(
            f"the indexes of {table.live} changed during the rebuild "
            f"({live_indexes} instead of {sorted(shadow_to_live.values())}); rebuild again"
        )
    for live_name in live_indexes:
        rename("INDEX", live_name, suffixed(live_name, OLD_SUFFIX))
    for shadow_name, live_name in shadow_to_live.items():
        rename("INDEX", shadow_name, live_name)
    rename("TABLE", table.shadow, table.live)
