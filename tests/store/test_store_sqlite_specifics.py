"""What only the SQLite store does: WAL, the write lock, epoch-second times, purging expired rows."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time

import pytest

from playgate.errors import ConfigError, StoreUnavailable
from playgate.store import ClaimStatus
from playgate.store.sqlite import SqliteStore
from waiting import eventually


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


def assert_final_config_error(path, *, why: str) -> None:
    with pytest.raises(ConfigError, match="cannot be opened") as raised:
        SqliteStore(path)
    assert not raised.value.retryable, "retrying does not fix a configuration: it is final"
    assert str(path) in str(raised.value) and "PLAYGATE_STORE" in str(raised.value)
    assert why in str(raised.value)


def test_a_path_that_cannot_hold_a_database_is_a_final_configuration_error_naming_the_path(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    assert_final_config_error(not_a_folder / "idempotency.sqlite3", why="File exists")


def test_a_file_that_is_not_a_database_is_a_final_configuration_error(tmp_path):
    corrupt = tmp_path / "idempotency.sqlite3"
    corrupt.write_bytes(b"this is not a SQLite database, it is garbage " * 100)
    assert_final_config_error(corrupt, why="not a database")


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write to: a read-only tmpfs for root (who ignores permission bits), else 0o555."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_is_a_final_configuration_error(read_only_folder):
    assert_final_config_error(read_only_folder / "idempotency.sqlite3", why="unable to open database file")


def test_a_database_locked_by_another_process_while_opening_stays_retryable(db):
    SqliteStore(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailable, match="locked") as raised:
            SqliteStore(db, busy_timeout_s=0.05)
        assert raised.value.retryable
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_store_in_memory_works_for_one_process():
    store = SqliteStore(":memory:")
    claim = store.claim("k", in_progress_ttl_s=60)
    store.complete("k", claim.token, {"ok": 1}, ttl_s=60)
    assert store.claim("k", in_progress_ttl_s=60).outcome == {"ok": 1}
    store.close()
