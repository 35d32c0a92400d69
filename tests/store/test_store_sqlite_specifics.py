"""What only the SQLite store does: WAL, the write lock, epoch-second times, purging expired rows."""

from __future__ import annotations

import sqlite3
import time

import pytest
from store_helpers import eventually

from playgate.errors import StoreUnavailable
from playgate.store import ClaimStatus
from playgate.store.sqlite import SqliteStore


@pytest.fixture
def db(tmp_path):
    return tmp_path / "deep" / "folder" / "idempotency.sqlite3"


def rows(path) -> dict[str, tuple]:
    with sqlite3.connect(path) as conn:
        return {key: rest for key, *rest in conn.execute("SELECT key, status, expires_at FROM idempotency")}


def test_opening_creates_the_folder_the_schema_and_a_wal_database(db):
    SqliteStore(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"idempotency", "store_values"} <= tables


def test_records_carry_epoch_second_expiry_times(db):
    store = SqliteStore(db)
    before = time.time()
    store.claim("k", in_progress_ttl_s=120)
    store.close()
    status, expires_at = rows(db)["k"]
    assert status == "INPROGRESS"
    assert before + 120 <= expires_at <= time.time() + 120


def test_expired_records_are_purged_by_a_later_claim_and_live_ones_kept(db):
    store = SqliteStore(db)
    for key in ("old-1", "old-2"):
        claim = store.claim(key, in_progress_ttl_s=60)
        store.complete(key, claim.token, {}, ttl_s=0.01)
    store.claim("crashed", in_progress_ttl_s=0.01)
    store.claim("live", in_progress_ttl_s=60)
    store.close()
    eventually(lambda: all(store_get_none(db, key) for key in ("old-1", "old-2", "crashed")))
    fresh = SqliteStore(db)  # a new instance purges on its first claim
    fresh.claim("another", in_progress_ttl_s=60)
    fresh.close()
    assert set(rows(db)) == {"live", "another"}


def store_get_none(db, key: str) -> bool:
    store = SqliteStore(db)
    try:
        return store.get(key) is None
    finally:
        store.close()


def test_purge_expired_reports_how_many_records_went(db):
    store = SqliteStore(db)
    for i in range(5):
        store.claim(f"k{i}", in_progress_ttl_s=0.01 if i < 3 else 60)
    eventually(lambda: store.get("k2") is None)
    assert store.purge_expired() == 3
    assert store.purge_expired() == 0
    assert set(rows(db)) == {"k3", "k4"}
    store.close()


def test_a_database_locked_beyond_the_busy_timeout_is_unavailable_then_recovers(db):
    store = SqliteStore(db, busy_timeout_s=0.05)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable, match="claim failed") as raised:
            store.claim("k", in_progress_ttl_s=60)
        assert raised.value.retryable
        assert str(db) in str(raised.value)
        assert store.get("k") is None  # readers are not blocked by the writer (WAL)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.claim("k", in_progress_ttl_s=60).status is ClaimStatus.ACQUIRED
    store.close()


def test_a_path_that_cannot_hold_a_database_is_unavailable_with_the_path_named(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(StoreUnavailable, match="open failed") as raised:
        SqliteStore(not_a_folder / "idempotency.sqlite3")
    assert str(not_a_folder) in str(raised.value)


def test_a_store_in_memory_works_for_one_process():
    store = SqliteStore(":memory:")
    claim = store.claim("k", in_progress_ttl_s=60)
    store.complete("k", claim.token, {"ok": 1}, ttl_s=60)
    assert store.claim("k", in_progress_ttl_s=60).outcome == {"ok": 1}
    store.close()
