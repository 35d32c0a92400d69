"""Reliability: the handler against real local parts under concurrency, fuzzing and time pressure.

Reuses the shared wiring (``tests/gate_world.py``, and the root conftest's ``emulator_server``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store of each kind: a new SQLite file, a new key prefix on the session's redis-server, or a
    new database on the session's PostgreSQL server. Every test taking it runs on each store."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.sqlite3"
    if request.param == "postgresql":
        return request.getfixturevalue("postgresql_url")
    return f"{request.getfixturevalue('redis_url')}?prefix=reliability-{uuid.uuid4().hex}:"
