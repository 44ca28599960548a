"""A cursor for the pipeline's fixed statements: PostgreSQL parses and plans each of them once
per connection (a prepared statement) instead of on every projector task.

Django's cursors bind parameters on the client: the values go into the SQL text, so the server
parses and plans every statement afresh, and the client quotes every value (arrays
included) into that text. This cursor sends the values apart from the text, and psycopg
prepares the statement the first time a connection runs it. Only for statements whose text
never changes between calls (psycopg keeps the last 100 prepared per connection); a table
renamed under a prepared statement (a rebuild's swap) makes PostgreSQL plan it again.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper

# Django turns psycopg's preparation off (a connection's prepare_threshold is None, which also
# overrides `prepare=True`). A threshold never reached turns it back on for this cursor's
# statements only: Django's own cursors bind on the client and never prepare anyway.
ONLY_WHEN_ASKED = sys.maxsize


# A placeholder, %s or %(name)s (not an escaped %%s).
PLACEHOLDER = re.compile(r"(?<!%)%(\([^)]*\))?s")


@lru_cache(maxsize=256)
def in_binary(query: str) -> str:
    """The query with each value sent in binary (%b): psycopg writes an array in text with a
    regular expression per element (quoting), which cost more than the rest of a batch of
    500 orders' statements; in binary it only copies the bytes."""
    return PLACEHOLDER.sub(r"%\1b", query)


class PreparingCursor(ServerBindingCursor):
    """psycopg's server-side binding cursor (as Django makes it), preparing what it runs and
    sending the values in binary. Results come back as text, as Django's loaders expect."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        query = in_binary(query) if isinstance(query, str) else query
        return super().execute(query, params, prepare=prepare is not False, binary=binary)


def prepared_cursor(connection) -> CursorWrapper:
    """A cursor on `connection` (a Django connection) whose statements are prepared. The same
    steps as Django's own `connection.cursor()`, so health checks, error wrapping and
    execute wrappers (query counting in tests and benchmarks) apply as usual."""
    if connection.queries_logged:
        # Django's query log (DEBUG, or a test capturing queries) keeps the SQL with its
        # values in it, which only Django's own cursors (client-side binding) have.
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        connection.connection.prepare_threshold = ONLY_WHEN_ASKED
    with connection.wrap_database_errors:
        return connection._prepare_cursor(PreparingCursor(connection.connection))
