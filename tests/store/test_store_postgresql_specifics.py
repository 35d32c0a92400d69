"""What only the PostgreSQL store does: its errors, its deadline watchdog, keys text cannot hold."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest

from playgate.errors import ConfigError, DeadlineExceeded, StoreUnavailable
from playgate.store import ClaimStatus, open_store
from playgate.store.postgresql import PostgresStore


def test_a_database_that_does_not_exist_is_a_configuration_error_naming_the_setting(postgres_server):
    with pytest.raises(ConfigError) as raised:
        open_store(postgres_server.url("no_such_database"))
    message = str(raised.value)
    assert message.startswith("PLAYGATE_STORE=")
    assert "no_such_database" in message and "does not exist" in message
    assert not raised.value.retryable


def test_a_password_in_the_url_never_appears_in_an_error(postgres_server):
    url = f"postgresql://playgate:hunter2-secret@127.0.0.1:{postgres_server.port}/no_such_database"
    with pytest.raises(ConfigError) as raised:
        open_store(url)
    assert "hunter2-secret" not in str(raised.value)
    assert "no_such_database" in str(raised.value)


def test_a_server_that_is_not_there_is_retryable():
    with pytest.raises(StoreUnavailable) as raised:
        open_store("postgresql://playgate@127.0.0.1:1/db")
    assert raised.value.retryable
    assert "127.0.0.1:1" in str(raised.value)


def test_keys_with_nul_and_backslashes_are_kept_apart(postgresql_url):
    store = open_store(postgresql_url)
    try:
        keys = ["a\x00b", "a\\0b", "a\\\x00b", "a\\\\0b", "ab"]
        claims = {key: store.claim(key, in_progress_ttl_s=60) for key in keys}
        assert {c.status for c in claims.values()} == {ClaimStatus.ACQUIRED}
        store.complete("a\x00b", claims["a\x00b"].token, {"which": "nul"}, ttl_s=60)
        assert store.claim("a\x00b", in_progress_ttl_s=60).outcome == {"which": "nul"}
        assert store.get("a\\0b").status is ClaimStatus.IN_PROGRESS
    finally:
        store.close()


def test_a_server_that_stops_answering_ends_the_call_at_its_deadline_and_the_next_call_reconnects():
    from postgres_server import PostgresServer

    with PostgresServer() as server:
        store = PostgresStore(server.new_database_url())
        assert store.claim("warm", in_progress_ttl_s=60).status is ClaimStatus.ACQUIRED
        server.pause()
        try:
            with pytest.raises(DeadlineExceeded):
                store.claim("k", in_progress_ttl_s=60, deadline=time.monotonic() + 0.5)
        finally:
            server.resume()
        # the claim cut off at the deadline may still run when the server wakes (as with Redis): its key
        # is left to its TTL, and the store itself works again on a new connection
        assert store.claim("after", in_progress_ttl_s=60).status is ClaimStatus.ACQUIRED
        store.close()


def test_two_stores_creating_the_tables_at_once_both_succeed(postgres_server):
    from concurrent.futures import ThreadPoolExecutor

    url = postgres_server.new_database_url()
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: PostgresStore(url), range(4)))
    with psycopg.connect(url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"playgate_idempotency", "playgate_deliveries", "playgate_values"} <= tables
    for store in stores:
        store.close()


def test_opening_a_sqlite_store_does_not_import_psycopg():
    code = (
        "import sys; from playgate.store import open_store; open_store('sqlite:///:memory:'); "
        "print('psycopg' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "False"


def test_both_url_schemes_open_a_postgresql_store(postgresql_url):
    for url in (postgresql_url, postgresql_url.replace("postgresql://", "postgres://", 1)):
        store = open_store(url)
        assert isinstance(store, PostgresStore)
        store.close()
