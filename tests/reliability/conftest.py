"""Reliability: the handler against real local parts under concurrency, fuzzing and time pressure.

Reuses the gate tests' wiring (``tests/gate/gate_world.py``: ``local_settings``, ``GateWorld``).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

GATE_TESTS = str(Path(__file__).resolve().parents[1] / "gate")
if GATE_TESTS not in sys.path:  # spawned worker processes inherit sys.path, so they find it too
    sys.path.append(GATE_TESTS)

from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path  # noqa: E402


@pytest.fixture
def emulator_server() -> Iterator[EmulatorServer]:
    emulator = IceEmulator().load_catalog(sample_catalog_path())
    with EmulatorServer(emulator) as server:
        yield server


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store of each kind: a new SQLite file, or a new key prefix on the session's redis-server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.sqlite3"
    return f"{request.getfixturevalue('redis_url')}?prefix=reliability-{uuid.uuid4().hex}:"
