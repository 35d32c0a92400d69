"""PLAYGATE_STORE: which URLs open which store, and how a wrong one is reported."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from playgate.errors import ConfigError
from playgate.store import open_store
from playgate.store.redis import RedisStore
from playgate.store.sqlite import SqliteStore


def test_a_relative_sqlite_url_opens_a_file_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///data/playgate.sqlite3")
    store.close()
    assert isinstance(store, SqliteStore)
    assert (tmp_path / "data" / "playgate.sqlite3").is_file()


def test_an_absolute_sqlite_url_opens_that_file(tmp_path):
    store = open_store(f"sqlite:////{str(tmp_path).lstrip('/')}/abs.sqlite3")
    store.close()
    assert (tmp_path / "abs.sqlite3").is_file()


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.example:6380/1?prefix=prod:"]
)
def test_redis_urls_open_a_redis_store_without_connecting_yet(url):
    store = open_store(url)
    assert isinstance(store, RedisStore)
    assert "pw@" not in repr(store)
    store.close()


def test_the_redis_prefix_option_is_playgates_own(redis_url):
    store = open_store(f"{redis_url}?prefix=mine:")
    assert store.prefix == "mine:"
    store.close()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://app:hunter2-secret@db.internal/gate", "is not a store URL playgate knows"),
        ("/tmp/playgate.sqlite3", "is not a store URL playgate knows"),
        ("", "is not a store URL playgate knows"),
        ("sqlite://host/x.sqlite3", "needs three slashes and a path"),
        ("sqlite:///", "needs three slashes and a path"),
        ("sqlite:///x.sqlite3?timeout=5", "takes no options"),
        ("redis://:hunter2-secret@cache:99999/0", "is not a valid Redis URL"),
        ("redis://:hunter2-secret@cache/0?no_such_option=1", "unknown option"),
    ],
)
def test_a_wrong_url_names_the_setting_the_redacted_value_and_the_accepted_forms(url, problem):
    with pytest.raises(ConfigError) as raised:
        open_store(url)
    message = str(raised.value)
    assert message.startswith("PLAYGATE_STORE=")
    assert problem in message
    assert "hunter2-secret" not in message
    assert "sqlite:////absolute/path" in message and "rediss://" in message
    assert not raised.value.retryable


def test_opening_a_sqlite_store_does_not_import_redis():
    code = (
        "import sys; from playgate.store import open_store; open_store('sqlite:///:memory:'); "
        "print('redis' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "False"
