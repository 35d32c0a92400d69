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

from playgate.errors import ConfigError, DeadlineExceeded, StoreUnavailable
from playgate.store import ledger
from playgate.store.base import Claim, ClaimLost, ClaimStatus, check_key, check_ttl, time_left
from playgate.store.ledger import Verdict

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
CREATE TABLE IF NOT EXISTS deliveries (
    message_id TEXT NOT NULL,
    sink TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (message_id, sink)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_expires_at ON deliveries (expires_at);
CREATE TABLE IF NOT EXISTS rate_slots (name TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS held_items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    item TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS held_items_name ON held_items (name, seq);
CREATE INDEX IF NOT EXISTS rate_slots_name_at ON rate_slots (name, at);
""" + ledger.schema(serial="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL")
_INSERT_VERDICT = ledger.insert_sql("?")
_PURGE_DELIVERIES = (
    "DELETE FROM deliveries WHERE (message_id, sink) IN "
    "(SELECT message_id, sink FROM deliveries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"
)


class SqliteStore:
    verdict_retention_s = ledger.DEFAULT_RETENTION_S

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = str(path)
        self._lock = threading.Lock()  # one connection per store, shared by the gate's threads
        self._next_purge = 0.0
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._busy_ms_set = self._busy_timeout_ms
        self._conn = self._open(busy_timeout_s)

    def _open(self, busy_timeout_s: float) -> sqlite3.Connection:
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -2048")  # page cache: 2 MiB, whatever the table grows to
            conn.executescript(_SCHEMA)
        except sqlite3.OperationalError as error:
            if _is_busy(error):  # another process holds the file for a moment: try again later
                raise self._unavailable("open", error) from error
            raise self._cannot_open(error) from error
        except (OSError, sqlite3.Error) as error:  # a read-only folder, a file that is not a database
            raise self._cannot_open(error) from error
        return conn

    # --- the contract ------------------------------------------------------------------------------
    def claim(self, key: str, *, in_progress_ttl_s: float, deadline: float | None = None) -> Claim:
        check_key(key)
        check_ttl("in_progress_ttl_s", in_progress_ttl_s)
        claim = self._claim_new(key, in_progress_ttl_s, deadline)
        if claim is None:  # a live record exists: read what it is inside one transaction
            claim = self._write("claim", lambda conn: self._claim(conn, key, in_progress_ttl_s), deadline)
        self._maybe_purge(deadline)
        return claim

    def complete(
        self,
        key: str,
        token: str,
        outcome: dict[str, Any],
        *,
        ttl_s: float,
        deadline: float | None = None,
        verdict: Verdict | None = None,
    ) -> None:
        check_key(key)
        check_ttl("ttl_s", ttl_s)
        encoded = json.dumps(outcome, ensure_ascii=False, separators=(",", ":"))
        if verdict is not None:  # the outcome and the verdict in one transaction
            row = verdict.as_row()

            def complete_and_record(conn: sqlite3.Connection) -> None:
                if not conn.execute(_COMPLETE_OURS, (encoded, time.time() + ttl_s, key, token)).rowcount:
                    self._complete(conn, key, token, encoded, ttl_s)
                conn.execute(_INSERT_VERDICT, row)

            return self._write("complete", complete_and_record, deadline)
        with self._guard("complete", deadline):  # the usual case in one statement: our claim is still ours
            done = self._conn.execute(_COMPLETE_OURS, (encoded, time.time() + ttl_s, key, token)).rowcount
        if not done:
            self._write("complete", lambda conn: self._complete(conn, key, token, encoded, ttl_s), deadline)

    def release(self, key: str, token: str, *, deadline: float | None = None) -> bool:
        check_key(key)
        sql = "DELETE FROM idempotency WHERE key = ? AND token = ? AND status = ?"
        return self._write(
            "release", lambda conn: conn.execute(sql, (key, token, IN_PROGRESS)).rowcount == 1, deadline
        )

    def get(self, key: str, *, deadline: float | None = None) -> Claim | None:
        check_key(key)
        with self._guard("get", deadline):
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

    def get_value(self, name: str, *, deadline: float | None = None) -> str | None:
        with self._guard("get_value", deadline):
            row = self._conn.execute("SELECT value FROM store_values WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_value(self, name: str, value: str, *, deadline: float | None = None) -> None:
        sql = (
            "INSERT INTO store_values (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        )
        self._write("set_value", lambda conn: conn.execute(sql, (name, value)), deadline)

    # --- per-sink delivery record (see DeliveryRecord) ------------------------------------------------
    def delivered_sinks(self, message_id: str) -> set[str]:
        check_key(message_id)
        with self._guard("delivered_sinks"):
            rows = self._conn.execute(
                "SELECT sink FROM deliveries WHERE message_id = ? AND expires_at > ?",
                (message_id, time.time()),
            ).fetchall()
        return {row[0] for row in rows}

    def mark_delivered(self, message_id: str, sink: str, *, ttl_s: float) -> None:
        check_key(message_id)
        check_ttl("ttl_s", ttl_s)
        sql = "INSERT OR REPLACE INTO deliveries (message_id, sink, expires_at) VALUES (?, ?, ?)"
        self._write("mark_delivered", lambda conn: conn.execute(sql, (message_id, sink, time.time() + ttl_s)))

    # --- a rate window shared by every process (see RateSlots) ------------------------------------------
    def take_slot(self, name: str, limit: int, *, window_s: float, keep: int = 0) -> bool:
        check_key(name)
        check_ttl("window_s", window_s)

        def take(conn: sqlite3.Connection) -> bool:
            now = time.time()
            conn.execute("DELETE FROM rate_slots WHERE name = ? AND at <= ?", (name, now - window_s))
            used = conn.execute("SELECT COUNT(*) FROM rate_slots WHERE name = ?", (name,)).fetchone()[0]
            if used + keep >= limit:
                return False
            conn.execute("INSERT INTO rate_slots (name, at) VALUES (?, ?)", (name, now))
            return True

        return self._write("take_slot", take)

    # --- items held for a later message, shared by every process (see HeldItems) -----------------------
    def push_item(self, name: str, item: str, *, max_items: int, ttl_s: float) -> None:
        check_key(name)
        check_ttl("ttl_s", ttl_s)

        def push(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute("DELETE FROM held_items WHERE name = ? AND expires_at <= ?", (name, now))
            conn.execute(
                "INSERT INTO held_items (name, item, expires_at) VALUES (?, ?, ?)", (name, item, now + ttl_s)
            )
            conn.execute(
                "DELETE FROM held_items WHERE name = ? AND seq NOT IN "
                "(SELECT seq FROM held_items WHERE name = ? ORDER BY seq DESC LIMIT ?)",
                (name, name, max_items),
            )

        self._write("push_item", push)

    def take_items(self, name: str) -> list[str]:
        check_key(name)

        def take(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT item FROM held_items WHERE name = ? AND expires_at > ? ORDER BY seq",
                (name, time.time()),
            ).fetchall()
            conn.execute("DELETE FROM held_items WHERE name = ?", (name,))
            return [row[0] for row in rows]

        return self._write("take_items", take)

    def count_items(self, name: str) -> int:
        check_key(name)
        with self._guard("count_items"):
            sql = "SELECT COUNT(*) FROM held_items WHERE name = ? AND expires_at > ?"
            return int(self._conn.execute(sql, (name, time.time())).fetchone()[0])

    # --- the ledger (see playgate.store.ledger) -------------------------------------------------------
    def record_verdict(self, verdict: Verdict, *, deadline: float | None = None) -> None:
        row = verdict.as_row()
        self._write("record_verdict", lambda conn: conn.execute(_INSERT_VERDICT, row), deadline)

    def verdict_history(self, subject: str, *, limit: int = 50) -> list[Verdict]:
        with self._guard("verdict_history"):
            args = (subject, limit, subject, limit, limit)
            rows = self._conn.execute(ledger.history_sql("?"), args).fetchall()
        return [Verdict.from_row(row) for row in rows]

    def verdict_summaries(self, start: float, end: float, *, profile: str | None = None) -> list[tuple]:
        sql = ledger.summary_sql("?", with_profile=profile is not None)
        with self._guard("verdict_summaries"):
            return self._conn.execute(sql, (start, end) + ((profile,) if profile else ())).fetchall()

    def purge_verdicts(self, older_than: float) -> int:
        sql = ledger.purge_sql("?")
        return self._write("purge_verdicts", lambda conn: conn.execute(sql, (older_than,)).rowcount)

    def purge_expired(self, *, limit: int = PURGE_BATCH, deadline: float | None = None) -> int:
        """Delete up to ``limit`` expired records; returns how many went. Claims do this now and then."""
        sql = (
            "DELETE FROM idempotency WHERE key IN "
            "(SELECT key FROM idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"
        )
        purged = self._write("purge", lambda conn: conn.execute(sql, (time.time(), limit)).rowcount, deadline)
        purged += self._write(
            "purge", lambda conn: conn.execute(_PURGE_DELIVERIES, (time.time(), limit)).rowcount, deadline
        )
        old = time.time() - self.verdict_retention_s
        return purged + self._write(
            "purge", lambda conn: conn.execute(ledger.purge_sql("?"), (old,)).rowcount, deadline
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    def _claim_new(self, key: str, ttl_s: float, deadline: float | None) -> Claim | None:
        """One atomic statement: take the key if it has no live record; None if it has one."""
        now, token = time.time(), secrets.token_hex(16)
        with self._guard("claim", deadline):
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
    def _write(self, what: str, body: Callable[[sqlite3.Connection], T], deadline: float | None = None) -> T:
        with self._guard(what, deadline):
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
    def _guard(self, what: str, deadline: float | None = None) -> Iterator[None]:
        """Hold the connection, waiting for it and for SQLite's lock no longer than ``deadline``."""
        label = f"SQLite idempotency store {self.path!r}: {what}"
        left = time_left(deadline, label)
        if not self._lock.acquire(timeout=-1 if left is None else left):
            raise DeadlineExceeded(f"{label}: another thread held the store until the deadline; retried")
        try:
            self._bound_busy_wait(time_left(deadline, label))
            yield
        except sqlite3.Error as error:
            raise self._unavailable(what, error) from error
        finally:
            self._lock.release()

    def _bound_busy_wait(self, left: float | None) -> None:
        """``busy_timeout``: how long a locked database is waited for, never past the deadline."""
        busy_ms = (
            self._busy_timeout_ms if left is None else max(1, min(self._busy_timeout_ms, int(left * 1000)))
        )
        if busy_ms != self._busy_ms_set:
            self._conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
            self._busy_ms_set = busy_ms

    def _maybe_purge(self, deadline: float | None) -> None:
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_S
        with contextlib.suppress(StoreUnavailable):  # housekeeping only: retried in a minute
            self.purge_expired(deadline=deadline)

    def _cannot_open(self, error: BaseException) -> ConfigError:
        return ConfigError(
            f"PLAYGATE_STORE: the SQLite idempotency store {self.path!r} cannot be opened "
            f"({type(error).__name__}: {error}). Point PLAYGATE_STORE at a writable folder (in FC only /tmp "
            "is writable) and move a file that is not a playgate database out of the way."
        )

    def _unavailable(self, what: str, error: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"SQLite idempotency store {self.path!r}: {what} failed ({type(error).__name__}: {error}). "
            "Check that the file's folder exists and is writable and that no process holds the database "
            "locked for long; the event will be retried."
        )


def _is_busy(error: sqlite3.Error) -> bool:
    name = getattr(error, "sqlite_errorname", "")  # Python >= 3.11; the message elsewhere
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(error)
