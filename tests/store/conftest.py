from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from playgate.store import IdempotencyStore, open_store


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store of each kind: a new SQLite file, a new key prefix on the session's Redis, or a
    new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store/idempotency.sqlite3"
    if request.param == "postgresql":
        return request.getfixturevalue("postgresql_url")
    return f"{request.getfixturevalue('redis_url')}?prefix=test-{uuid.uuid4().hex}:"


@pytest.fixture
def store(store_url: str) -> Iterator[IdempotencyStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()
