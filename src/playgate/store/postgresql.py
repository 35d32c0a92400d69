"""PostgreSQL idempotency store: one database shared by many FC instances (ApsaraDB RDS, PolarDB).

Claims are single ``INSERT … ON CONFLICT … DO UPDATE … WHERE expired`` statements, atomic on the row;
completing a record whose claim is not ours any more, the rate window and the schema run inside
transactions that lock what they decide on (the row, or an advisory lock on the name). Times are epoch
seconds from the caller's clock, as in the other stores.

Every call is bounded by its deadline, the server's silence included: a watchdog shuts the connection's
socket when the deadline passes (libpq has no read timeout of its own), the call raises
DeadlineExceeded and the next call connects again.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg

from playgate.errors import ConfigError, DeadlineExceeded, StoreUnavailable
from playgate.store import ledger
from playgate.store.base import Claim, ClaimLost, ClaimStatus, check_key, check_ttl, time_left
from playgate.store.ledger import Verdict
from playgate.store.urls import redact_url

T = TypeVar("T")

IN_PROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
CONNECT_TIMEOUT_S = 10.0
CALL_TIMEOUT_S = 30.0  # a call without a deadline (the CLI) still ends
PURGE_EVERY_S = 60.0
PURGE_BATCH = 500
_SCHEMA_LOCK = 0x706C6179  # "play": one instance creates the tables at a time

_SCHEMA = """
CREATE TABLE IF NOT EXISTS playgate_idempotency (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    token TEXT NOT NULL,
    outcome TEXT,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS playgate_idempotency_expires_at ON playgate_idempotency (expires_at);
CREATE TABLE IF NOT EXISTS playgate_values (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS playgate_deliveries (
    message_id TEXT NOT NULL,
    sink TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (message_id, sink)
);
CREATE INDEX IF NOT EXISTS playgate_deliveries_expires_at ON playgate_deliveries (expires_at);
CREATE TABLE IF NOT EXISTS playgate_rate_slots (name TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS playgate_rate_slots_name_at ON playgate_rate_slots (name, at);
CREATE TABLE IF NOT EXISTS playgate_held_items (
    seq BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    item TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS playgate_held_items_name ON playgate_held_items (name, seq);
""" + ledger.schema(serial="BIGSERIAL PRIMARY KEY", real="DOUBLE PRECISION")
_INSERT_VERDICT = ledger.insert_sql("%s")
# Inserts, or takes over an expired record; returns no row while a live record holds the key.
_CLAIM_IF_FREE = (
    "INSERT INTO playgate_idempotency (key, status, token, outcome, expires_at) "
    "VALUES (%s, %s, %s, NULL, %s) ON CONFLICT (key) DO UPDATE SET status = excluded.status, "
    "token = excluded.token, outcome = NULL, expires_at = excluded.expires_at "
    "WHERE playgate_idempotency.expires_at <= %s RETURNING token"
)
_LIVE_RECORD = (
    "SELECT status, outcome, expires_at FROM playgate_idempotency WHERE key = %s AND expires_at > %s"
)
_COMPLETE_OURS = (
    f"UPDATE playgate_idempotency SET status = '{COMPLETED}', outcome = %s, expires_at = %s "
    "WHERE key = %s AND token = %s"
)
_UPSERT = (
    "INSERT INTO playgate_idempotency (key, status, token, outcome, expires_at) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (key) DO UPDATE SET status = excluded.status, token = excluded.token, "
    "outcome = excluded.outcome, expires_at = excluded.expires_at"
)


def _db_key(key: str) -> str:
    """PostgreSQL text holds no NUL: escape it (and the escape character) reversibly."""
    return key.replace("\\", "\\\\").replace("\x00", "\\0") if ("\x00" in key or "\\" in key) else key


class PostgresStore:
    verdict_retention_s = ledger.DEFAULT_RETENTION_S

    def __init__(self, url: str, *, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.url = url
        self._shown = redact_url(url)
        self._connect_timeout_s = connect_timeout_s
        self._lock = threading.Lock()  # one connection per store, shared by the gate's threads
        self._conn: psycopg.Connection[Any] | None = None
        self._next_purge = 0.0
        with self._guard("open", time.monotonic() + connect_timeout_s):
            pass

    # --- the contract ------------------------------------------------------------------------------
    def claim(self, key: str, *, in_progress_ttl_s: float, deadline: float | None = None) -> Claim:
        check_key(key)
        check_ttl("in_progress_ttl_s", in_progress_ttl_s)
        db_key = _db_key(key)
        for _ in range(3):  # a live record seen, then gone before it could be read: look again
            now, token = time.time(), secrets.token_hex(16)
            with self._guard("claim", deadline) as conn:
                taken = conn.execute(
                    _CLAIM_IF_FREE, (db_key, IN_PROGRESS, token, now + in_progress_ttl_s, now)
                )
                if taken.fetchone() is not None:
                    claim = Claim(ClaimStatus.ACQUIRED, key, expires_at=now + in_progress_ttl_s, token=token)
                    break
                row = conn.execute(_LIVE_RECORD, (db_key, now)).fetchone()
            if row is not None:
                claim = _record(key, *row)
                break
        else:
            raise StoreUnavailable(f"{self._label('claim')}: the key kept changing hands; retried")
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
        db_key = _db_key(key)
        encoded = json.dumps(outcome, separators=(",", ":"))
        with self._guard("complete", deadline) as conn, conn.transaction():  # the verdict in the same one
            if verdict is not None:
                conn.execute(_INSERT_VERDICT, verdict.as_row())
            if conn.execute(_COMPLETE_OURS, (encoded, time.time() + ttl_s, db_key, token)).rowcount:
                return
            with conn.transaction():
                now = time.time()
                row = conn.execute(
                    "SELECT status, token, expires_at FROM playgate_idempotency WHERE key = %s FOR UPDATE",
                    (db_key,),
                ).fetchone()
                if row is not None and row[1] != token and row[2] > now:
                    raise ClaimLost.taken_by_another(key, completed=row[0] == COMPLETED)
                conn.execute(_UPSERT, (db_key, COMPLETED, token, encoded, now + ttl_s))

    def release(self, key: str, token: str, *, deadline: float | None = None) -> bool:
        check_key(key)
        sql = "DELETE FROM playgate_idempotency WHERE key = %s AND token = %s AND status = %s"
        with self._guard("release", deadline) as conn:
            return conn.execute(sql, (_db_key(key), token, IN_PROGRESS)).rowcount == 1

    def get(self, key: str, *, deadline: float | None = None) -> Claim | None:
        check_key(key)
        with self._guard("get", deadline) as conn:
            row = conn.execute(_LIVE_RECORD, (_db_key(key), time.time())).fetchone()
        return None if row is None else _record(key, *row)

    def get_value(self, name: str, *, deadline: float | None = None) -> str | None:
        with self._guard("get_value", deadline) as conn:
            row = conn.execute("SELECT value FROM playgate_values WHERE name = %s", (name,)).fetchone()
        return None if row is None else row[0]

    def set_value(self, name: str, value: str, *, deadline: float | None = None) -> None:
        sql = (
            "INSERT INTO playgate_values (name, value) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        )
        with self._guard("set_value", deadline) as conn:
            conn.execute(sql, (name, value))

    # --- per-sink delivery record (see DeliveryRecord) ------------------------------------------------
    def delivered_sinks(self, message_id: str) -> set[str]:
        check_key(message_id)
        sql = "SELECT sink FROM playgate_deliveries WHERE message_id = %s AND expires_at > %s"
        with self._guard("delivered_sinks") as conn:
            return {row[0] for row in conn.execute(sql, (_db_key(message_id), time.time()))}

    def mark_delivered(self, message_id: str, sink: str, *, ttl_s: float) -> None:
        check_key(message_id)
        check_ttl("ttl_s", ttl_s)
        sql = (
            "INSERT INTO playgate_deliveries (message_id, sink, expires_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (message_id, sink) DO UPDATE SET expires_at = excluded.expires_at"
        )
        with self._guard("mark_delivered") as conn:
            conn.execute(sql, (_db_key(message_id), sink, time.time() + ttl_s))

    # --- a rate window shared by every instance (see RateSlots) ----------------------------------------
    def take_slot(self, name: str, limit: int, *, window_s: float, keep: int = 0) -> bool:
        check_key(name)
        check_ttl("window_s", window_s)
        with self._guard("take_slot") as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"slots:{name}",))
            now = time.time()
            conn.execute(
                "DELETE FROM playgate_rate_slots WHERE name = %s AND at <= %s", (name, now - window_s)
            )
            used = _count(conn, "SELECT COUNT(*) FROM playgate_rate_slots WHERE name = %s", (name,))
            if used + keep >= limit:
                return False
            conn.execute("INSERT INTO playgate_rate_slots (name, at) VALUES (%s, %s)", (name, now))
            return True

    # --- items held for a later message, shared by every instance (see HeldItems) ----------------------
    def push_item(self, name: str, item: str, *, max_items: int, ttl_s: float) -> None:
        check_key(name)
        check_ttl("ttl_s", ttl_s)
        with self._guard("push_item") as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"items:{name}",))
            now = time.time()
            conn.execute("DELETE FROM playgate_held_items WHERE name = %s AND expires_at <= %s", (name, now))
            conn.execute(
                "INSERT INTO playgate_held_items (name, item, expires_at) VALUES (%s, %s, %s)",
                (name, item, now + ttl_s),
            )
            conn.execute(
                "DELETE FROM playgate_held_items WHERE name = %s AND seq NOT IN "
                "(SELECT seq FROM playgate_held_items WHERE name = %s ORDER BY seq DESC LIMIT %s)",
                (name, name, max_items),
            )

    def take_items(self, name: str) -> list[str]:
        check_key(name)
        sql = "DELETE FROM playgate_held_items WHERE name = %s RETURNING seq, item, expires_at"
        with self._guard("take_items") as conn:
            rows = conn.execute(sql, (name,)).fetchall()
        now = time.time()
        return [item for _seq, item, expires_at in sorted(rows) if expires_at > now]

    def count_items(self, name: str) -> int:
        check_key(name)
        sql = "SELECT COUNT(*) FROM playgate_held_items WHERE name = %s AND expires_at > %s"
        with self._guard("count_items") as conn:
            return _count(conn, sql, (name, time.time()))

    # --- the ledger (see playgate.store.ledger) -------------------------------------------------------
    def record_verdict(self, verdict: Verdict, *, deadline: float | None = None) -> None:
        with self._guard("record_verdict", deadline) as conn:
            conn.execute(_INSERT_VERDICT, verdict.as_row())

    def verdict_history(self, subject: str, *, limit: int = 50) -> list[Verdict]:
        with self._guard("verdict_history") as conn:
            args = (subject, limit, subject, limit, limit)
            rows = conn.execute(ledger.history_sql("%s"), args).fetchall()
        return [Verdict.from_row(row) for row in rows]

    def verdict_summaries(self, start: float, end: float, *, profile: str | None = None) -> list[tuple]:
        sql = ledger.summary_sql("%s", with_profile=profile is not None)
        with self._guard("verdict_summaries") as conn:
            return conn.execute(sql, (start, end) + ((profile,) if profile else ())).fetchall()

    def purge_verdicts(self, older_than: float) -> int:
        with self._guard("purge_verdicts") as conn:
            return conn.execute(ledger.purge_sql("%s"), (older_than,)).rowcount

    def purge_expired(self, *, limit: int = PURGE_BATCH, deadline: float | None = None) -> int:
        """Delete up to ``limit`` expired records of each kind; returns how many went."""
        purged = 0
        with self._guard("purge", deadline) as conn:
            for table, key in (("playgate_idempotency", "key"), ("playgate_deliveries", "ctid")):
                sql = (
                    f"DELETE FROM {table} WHERE {key} IN "
                    f"(SELECT {key} FROM {table} WHERE expires_at <= %s ORDER BY expires_at LIMIT %s)"
                )
                purged += conn.execute(sql, (time.time(), limit)).rowcount
            old = time.time() - self.verdict_retention_s
            purged += conn.execute(ledger.purge_sql("%s"), (old,)).rowcount
        return purged

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __repr__(self) -> str:
        return f"PostgresStore({self._shown!r})"

    # --- plumbing ------------------------------------------------------------------------------------
    @contextmanager
    def _guard(self, what: str, deadline: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        """The connection, held by this thread, for no longer than ``deadline`` (connecting included)."""
        label = self._label(what)
        if deadline is None:
            deadline = time.monotonic() + CALL_TIMEOUT_S
        left = time_left(deadline, label)
        if not self._lock.acquire(timeout=left):
            raise DeadlineExceeded(f"{label}: another thread held the store until the deadline; retried")
        watchdog: _Watchdog | None = None
        try:
            conn = self._connection(deadline, label)
            watchdog = _Watchdog(conn, time_left(deadline, label))
            yield conn
        except psycopg.Error as error:
            self._drop_connection()
            if watchdog is not None and watchdog.fired:
                raise DeadlineExceeded(f"{label}: no answer before the function times out; retried") from None
            raise self._unavailable(what, error) from error
        finally:
            if watchdog is not None:
                watchdog.cancel()
            self._lock.release()

    def _connection(self, deadline: float, label: str) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        left = time_left(deadline, label)
        timeout = max(2, int(min(left, self._connect_timeout_s) + 0.999))  # libpq takes whole seconds >= 2
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=timeout)
        except psycopg.OperationalError as error:
            raise self._cannot_connect(error) from error
        watchdog = _Watchdog(conn, time_left(deadline, label))
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                conn.execute(_SCHEMA)
        except psycopg.Error as error:
            conn.close()
            if watchdog.fired:
                raise DeadlineExceeded(f"{label}: no answer before the function times out; retried") from None
            raise self._unavailable("create the tables", error) from error
        finally:
            watchdog.cancel()
        self._conn = conn
        return conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _maybe_purge(self, deadline: float | None) -> None:
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_S
        with contextlib.suppress(StoreUnavailable):  # housekeeping only: tried again in a minute
            self.purge_expired(deadline=deadline)

    def _label(self, what: str) -> str:
        return f"PostgreSQL idempotency store {self._shown!r}: {what}"

    def _cannot_connect(self, error: psycopg.OperationalError) -> ConfigError | StoreUnavailable:
        text = redact_url(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        if _is_configuration(text):
            return ConfigError(
                f"PLAYGATE_STORE={self._shown!r}: PostgreSQL refused the connection ({text}). Check the "
                "user, password and database name in the URL, and that the database exists."
            )
        return StoreUnavailable(
            f"{self._label('connect')} failed ({text}). Check that the server is up and reachable from "
            "the function (VPC, whitelist); the event will be retried."
        )

    def _unavailable(self, what: str, error: BaseException) -> StoreUnavailable:
        text = redact_url(str(error).strip().splitlines()[0] if str(error).strip() else "")
        return StoreUnavailable(f"{self._label(what)} failed ({type(error).__name__}: {text}); retried")


_CONFIGURATION_PHRASES = ("password authentication failed", "does not exist", "no pg_hba.conf entry", "role ")


def _is_configuration(message: str) -> bool:
    lowered = message.lower()
    return any(phrase in lowered for phrase in _CONFIGURATION_PHRASES)


def _record(key: str, status: str, outcome: str | None, expires_at: float) -> Claim:
    if status == COMPLETED:
        return Claim(ClaimStatus.COMPLETED, key, outcome=json.loads(outcome or "null"), expires_at=expires_at)
    return Claim(ClaimStatus.IN_PROGRESS, key, expires_at=expires_at)


def _count(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...]) -> int:
    row = conn.execute(sql, params).fetchone()  # a COUNT(*) has its one row
    return int(row[0]) if row else 0


class _Watchdog:
    """Shuts the connection's socket when ``seconds`` pass, so a silent server cannot hold a call."""

    def __init__(self, conn: psycopg.Connection[Any], seconds: float | None) -> None:
        self.fired = False
        self._conn = conn
        self._timer = threading.Timer(max(0.0, seconds or 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        with contextlib.suppress(Exception):
            fd = self._conn.pgconn.socket
            with socket.socket(fileno=os.dup(fd)) as sock:
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()
