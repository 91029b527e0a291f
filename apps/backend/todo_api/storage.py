"""Todo storage: one SQL store, two dialects (SQLite through the standard library, PostgreSQL
through psycopg 3).

Every operation opens its own connection: a todo app needs no pool, a restarted database is
picked up on the next request, and /health measures the database as it is now.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from .config import Database, PostgresDatabase, SqliteDatabase

COLUMNS = "id, title, completed, created_at"
# Both dialects bind with "?" here; PostgresStore rewrites it to psycopg's "%s".
LIST = f"SELECT {COLUMNS} FROM todos ORDER BY id"
INSERT = f"INSERT INTO todos (title, completed, created_at) VALUES (?, ?, ?) RETURNING {COLUMNS}"
UPDATE = (
    "UPDATE todos SET title = COALESCE(?, title), completed = COALESCE(?, completed) "
    f"WHERE id = ? RETURNING {COLUMNS}"
)
DELETE = "DELETE FROM todos WHERE id = ?"
# A query on the table itself, so a missing table or a read failure also shows as unhealthy.
PROBE = "SELECT 1 FROM todos LIMIT 1"


@dataclass(frozen=True)
class Todo:
    id: int
    title: str
    completed: bool
    created_at: datetime


class StoreUnavailable(Exception):
    """The database failed to answer; `reason` is short and holds no credentials."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SqlStore(ABC):
    """The queries, shared by both dialects. Subclasses open connections and map rows."""

    schema: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def ensure_schema(self) -> None:
        with self._transaction():
            pass

    def check(self) -> None:
        with self._transaction() as conn:
            conn.execute(self._sql(PROBE)).fetchall()

    def list(self) -> list[Todo]:
        with self._transaction() as conn:
            return [self._todo(row) for row in conn.execute(self._sql(LIST)).fetchall()]

    def create(self, title: str) -> Todo:
        with self._transaction() as conn:
            row = conn.execute(self._sql(INSERT), (title, False, self._now())).fetchone()
        return self._todo(row)

    def update(self, todo_id: int, title: str | None, completed: bool | None) -> Todo | None:
        with self._transaction() as conn:
            row = conn.execute(self._sql(UPDATE), (title, completed, todo_id)).fetchone()
        return None if row is None else self._todo(row)

    def delete(self, todo_id: int) -> bool:
        with self._transaction() as conn:
            return conn.execute(self._sql(DELETE), (todo_id,)).rowcount > 0

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A connection in a transaction, with the table created on the first one that works
        (so a database that was down at startup gets its table once it comes up)."""
        try:
            with self._connect() as conn:
                if not self._schema_ready:
                    with self._schema_lock:
                        for statement in self.schema:
                            conn.execute(statement)
                        self._schema_ready = True
                yield conn
        except StoreUnavailable:
            # Check the table again next time: the database may have been replaced meanwhile.
            self._schema_ready = False
            raise

    @abstractmethod
    def _connect(self) -> AbstractContextManager[Any]:
        """A connection that commits (or rolls back) and closes on exit; driver errors
        become StoreUnavailable."""

    def _sql(self, query: str) -> str:
        return query

    def _now(self) -> Any:
        return datetime.now(UTC)

    def _todo(self, row: Any) -> Todo:
        todo_id, title, completed, created_at = row
        return Todo(todo_id, title, bool(completed), created_at.astimezone(UTC))


class SqliteStore(SqlStore):
    schema = (
        "CREATE TABLE IF NOT EXISTS todos ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"  # AUTOINCREMENT: ids of deleted todos stay unused
        " title TEXT NOT NULL,"
        " completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),"
        " created_at TEXT NOT NULL)",
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self._path, timeout=5)
        except sqlite3.Error as error:
            raise StoreUnavailable(_first_line(error)) from error
        try:
            with conn:  # commits, or rolls back on an exception
                yield conn
        except sqlite3.Error as error:
            raise StoreUnavailable(_first_line(error)) from error
        finally:
            conn.close()

    def _now(self) -> str:
        return super()._now().isoformat()

    def _todo(self, row: Any) -> Todo:
        todo_id, title, completed, created_at = row
        return super()._todo((todo_id, title, completed, datetime.fromisoformat(created_at)))


class PostgresStore(SqlStore):
    schema = (
        # Replicas starting together would race on CREATE TABLE IF NOT EXISTS; the lock
        # (held to the end of this transaction) makes them take turns.
        "SELECT pg_advisory_xact_lock(hashtext('todo_api.schema'))",
        "CREATE TABLE IF NOT EXISTS todos ("
        " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        " title TEXT NOT NULL,"
        " completed BOOLEAN NOT NULL DEFAULT FALSE,"
        " created_at TIMESTAMPTZ NOT NULL)",
    )
    # libpq's minimum; keeps /health well inside a probe's timeout when the host is unreachable.
    CONNECT_TIMEOUT_SECONDS = 2

    def __init__(self, database: PostgresDatabase) -> None:
        super().__init__()
        self._url = database.url
        self._credentials = database.credentials

    @contextmanager
    def _connect(self) -> Iterator[psycopg.Connection]:
        try:
            # The connection's context commits (or rolls back) and closes it.
            with psycopg.connect(self._url, connect_timeout=self.CONNECT_TIMEOUT_SECONDS) as conn:
                yield conn
        except psycopg.Error as error:
            raise StoreUnavailable(self._reason(error)) from error

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s")

    def _reason(self, error: Exception) -> str:
        """libpq's message without its connection preamble, and with the URL's user name
        (libpq quotes it, e.g. `for user "todo"`) and password replaced by ***."""
        reason = _first_line(error).rpartition(" failed: ")[2].removeprefix("FATAL:").strip()
        for secret in self._credentials:
            reason = reason.replace(secret, "***")
        return reason


def open_store(database: Database) -> SqlStore:
    if isinstance(database, SqliteDatabase):
        return SqliteStore(database.path)
    return PostgresStore(database)


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__
