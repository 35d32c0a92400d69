from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the shared redis_server helper

from playgate.store import IdempotencyStore, open_store
from redis_server import RedisServer, RedisServerError


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = RedisServer()
    try:
        server.start()
        problem = None
    except RedisServerError as error:
        problem = str(error)
    if problem:  # fail, never skip: CI must run the Redis tests
        pytest.fail(problem, pytrace=False)
    yield server.url
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store of each kind: a new SQLite file, or a new key prefix on the session's Redis."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store/idempotency.sqlite3"
    return f"{request.getfixturevalue('redis_url')}?prefix=test-{uuid.uuid4().hex}:"


@pytest.fixture
def store(store_url: str) -> Iterator[IdempotencyStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()
