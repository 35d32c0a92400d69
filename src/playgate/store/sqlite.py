"""SQLite idempotency store: the embedded default, safe across processes on one machine.

WAL lets readers run beside the one writer. The usual claim and completion are one conditional statement
each (atomic on their own); every other conditional write runs inside ``BEGIN IMMEDIATE``, which takes the
database's write lock before reading, so a claim's read-decide-write is atomic across processes.
``busy_timeout`` makes a contending process wait for the lock instead of failing at once. Times are epoch
seconds (``time.time()``), so every process on the machine shares one clock.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from playgate.errors import StoreUnavailable
from playgate.store.base import Claim, ClaimLost, ClaimStatus, check_key, check_ttl

T = TypeVar("T")

IN_PROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
PURGE_EVERY_S = 60.0
PURGE_BATCH = 500

_UPSERT = (
    "INSERT OR REPLACE INTO idempotency (key, status, token, outcome, expires_at) VALUES (?, ?, ?, ?, ?)"
)
# Inserts, or replaces an expired record; changes nothing (rowcount 0) while a live record holds the key.
_CLAIM_IF_FREE = (
    "INSERT INTO idempotency (key, status, token, outcome, expires_at) VALUES (?, ?, ?, NULL, ?) "
    "ON CONFLICT (key) DO UPDATE SET status = excluded.status, token = excluded.token, outcome = NULL, "
    "expires_at = excluded.expires_at WHERE idempotency.expires_at <= ?"
)
_COMPLETE_OURS = (
    f"UPDATE idempotency SET status = '{COMPLETED}', outcome = ?, expires_at = ? WHERE key = ? AND token = ?"
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    token TEXT NOT NULL,
    outcome TEXT,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_expires_at ON idempotency (expires_at);
CREATE TABLE IF NOT EXISTS store_values (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


class SqliteStore:
    def __init__(self, path: str | Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = str(path)
        self._lock = threading.Lock()  # one connection per store, shared by the gate's threads
        self._next_purge = 0.0
        self._conn = self._open(busy_timeout_s)

    def _open(self, busy_timeout_s: float) -> sqlite3.Connection:
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -2048")  # page cache: 2 MiB, whatever the table grows to
            conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise self._unavailable("open", error) from error
        return conn

    # --- the contract ------------------------------------------------------------------------------
    def claim(self, key: str, *, in_progress_ttl_s: float) -> Claim:
        check_key(key)
        check_ttl("in_progress_ttl_s", in_progress_ttl_s)
        claim = self._claim_new(key, in_progress_ttl_s)
        if claim is None:  # a live record exists: read what it is inside one transaction
            claim = self._write("claim", lambda conn: self._claim(conn, key, in_progress_ttl_s))
        self._maybe_purge()
        return claim

    def complete(self, key: str, token: str, outcome: dict[str, Any], *, ttl_s: float) -> None:
        check_key(key)
        check_ttl("ttl_s", ttl_s)
        encoded = json.dumps(outcome, ensure_ascii=False, separators=(",", ":"))
        with self._guard("complete"):  # the usual case in one statement: our claim is still ours
            done = self._conn.execute(_COMPLETE_OURS, (encoded, time.time() + ttl_s, key, token)).rowcount
        if not done:
            self._write("complete", lambda conn: self._complete(conn, key, token, encoded, ttl_s))

    def release(self, key: str, token: str) -> bool:
        check_key(key)
        sql = "DELETE FROM idempotency WHERE key = ? AND token = ? AND status = ?"
        return self._write("release", lambda conn: conn.execute(sql, (key, token, IN_PROGRESS)).rowcount == 1)

    def get(self, key: str) -> Claim | None:
        check_key(key)
        with self._guard("get"):
            row = self._conn.execute(
                "SELECT status, outcome, expires_at FROM idempotency WHERE key = ? AND expires_at > ?",
                (key, time.time()),
            ).fetchone()
        if row is None:
            return None
        status, outcome, expires_at = row
        if status == COMPLETED:
            return Claim(ClaimStatus.COMPLETED, key, outcome=json.loads(outcome), expires_at=expires_at)
        return Claim(ClaimStatus.IN_PROGRESS, key, expires_at=expires_at)

    def get_value(self, name: str) -> str | None:
        with self._guard("get_value"):
            row = self._conn.execute("SELECT value FROM store_values WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_value(self, name: str, value: str) -> None:
        sql = (
            "INSERT INTO store_values (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        )
        self._write("set_value", lambda conn: conn.execute(sql, (name, value)))

    def purge_expired(self, *, limit: int = PURGE_BATCH) -> int:
        """Delete up to ``limit`` expired records; returns how many went. Claims do this now and then."""
        sql = (
            "DELETE FROM idempotency WHERE key IN "
            "(SELECT key FROM idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"
        )
        return self._write("purge", lambda conn: conn.execute(sql, (time.time(), limit)).rowcount)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    def _claim_new(self, key: str, ttl_s: float) -> Claim | None:
        """One atomic statement: take the key if it has no live record; None if it has one."""
        now, token = time.time(), secrets.token_hex(16)
        with self._guard("claim"):
            taken = self._conn.execute(_CLAIM_IF_FREE, (key, IN_PROGRESS, token, now + ttl_s, now)).rowcount
        return Claim(ClaimStatus.ACQUIRED, key, expires_at=now + ttl_s, token=token) if taken else None

    # --- inside one write transaction --------------------------------------------------------------
    @staticmethod
    def _claim(conn: sqlite3.Connection, key: str, ttl_s: float) -> Claim:
        now = time.time()
        row = conn.execute(
            "SELECT status, outcome, expires_at FROM idempotency WHERE key = ?", (key,)
        ).fetchone()
        if row is not None and row[2] > now:
            status, outcome, expires_at = row
            if status == COMPLETED:
                return Claim(ClaimStatus.COMPLETED, key, outcome=json.loads(outcome), expires_at=expires_at)
            return Claim(ClaimStatus.IN_PROGRESS, key, expires_at=expires_at)
        token = secrets.token_hex(16)
        conn.execute(_UPSERT, (key, IN_PROGRESS, token, None, now + ttl_s))
        return Claim(ClaimStatus.ACQUIRED, key, expires_at=now + ttl_s, token=token)

    @staticmethod
    def _complete(conn: sqlite3.Connection, key: str, token: str, outcome: str, ttl_s: float) -> None:
        now = time.time()
        row = conn.execute(
            "SELECT status, token, expires_at FROM idempotency WHERE key = ?", (key,)
        ).fetchone()
        if row is not None and row[1] != token and row[2] > now:
            raise ClaimLost.taken_by_another(key, completed=row[0] == COMPLETED)
        conn.execute(_UPSERT, (key, COMPLETED, token, outcome, now + ttl_s))

    # --- plumbing ------------------------------------------------------------------------------------
    def _write(self, what: str, body: Callable[[sqlite3.Connection], T]) -> T:
        with self._guard(what):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(self._conn)
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except sqlite3.Error as error:
                raise self._unavailable(what, error) from error

    def _maybe_purge(self) -> None:
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_S
        with contextlib.suppress(StoreUnavailable):  # housekeeping only: retried in a minute
            self.purge_expired()

    def _unavailable(self, what: str, error: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"SQLite idempotency store {self.path!r}: {what} failed ({type(error).__name__}: {error}). "
            "Check that the file's folder exists and is writable and that no process holds the database "
            "locked for long; the event will be retried."
        )
