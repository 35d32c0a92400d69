"""Fixtures shared by every folder: isolation, a real redis-server, the emulator and a wired runtime."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gate_world import GateWorld, local_settings
from playgate.handler import Runtime
from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path
from playgate.testing.receivers import Answer, Receiver
from postgres_server import PostgresServer, PostgresServerError
from redis_server import RedisServer, RedisServerError


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own PLAYGATE_* settings or Alibaba Cloud credentials."""
    for name in list(os.environ):
        if name.startswith(("PLAYGATE_", "ALIBABA_CLOUD_", "ALICLOUD_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on 127.0.0.1 for the whole session. Missing redis-server fails; never skips."""
    server = RedisServer()
    try:
        server.start()
    except RedisServerError as error:
        pytest.fail(str(error), pytrace=False)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (tests/browser.py). Missing chromium fails; never skips."""
    from browser import browser

    try:
        with browser() as launched:
            yield launched
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on 127.0.0.1 for the whole session. Missing binaries fail; never skips."""
    server = PostgresServer()
    try:
        server.start()
    except PostgresServerError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def postgresql_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    return postgres_server.new_database_url()


@pytest.fixture
def emulator_server() -> Iterator[EmulatorServer]:
    """The ICE emulator over HTTP on 127.0.0.1, loaded with the bundled sample catalog."""
    with EmulatorServer(IceEmulator().load_catalog(sample_catalog_path())) as server:
        yield server


@pytest.fixture
def make_world(emulator_server, tmp_path):
    """Build runtimes wired to the emulator, a SQLite store and JSONL sinks in tmp_path."""
    runtimes: list[Runtime] = []

    def make(**overrides: Any) -> GateWorld:
        overrides = {"log_level": "error", **overrides}
        runtime = Runtime.build(local_settings(emulator_server.url, tmp_path, **overrides))
        runtimes.append(runtime)
        return GateWorld(emulator=emulator_server.emulator, folder=tmp_path, runtime=runtime)

    yield make
    for runtime in runtimes:
        runtime.close()


@pytest.fixture
def world(make_world) -> GateWorld:
    return make_world()


@pytest.fixture
def function_env(emulator_server, tmp_path, monkeypatch) -> Iterator[Path]:
    """PLAYGATE_* as a deployed function would have them, pointing at local parts; yields the folder.

    The FC entry points (playgate.handler / playgate.reconcile) start with no runtime, so they build one
    from this environment; override a variable with monkeypatch before the first call.
    """
    import playgate.handler
    import playgate.reconcile

    for name, value in emulator_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PLAYGATE_REGION", "cn-shanghai")
    monkeypatch.setenv("PLAYGATE_STORE", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    for sink, file in (("PLAYBACK", "playback"), ("ALERT", "alerts"), ("DEAD_LETTER", "dead-letters")):
        monkeypatch.setenv(f"PLAYGATE_{sink}_SINK", f"jsonl://{tmp_path / file}.jsonl")
    monkeypatch.setenv("PLAYGATE_LOG_LEVEL", "error")
    monkeypatch.setattr(playgate.handler, "_runtime", None)
    monkeypatch.setattr(playgate.reconcile, "_runtime", None)
    yield tmp_path
    for module in (playgate.handler, playgate.reconcile):
        if module._runtime is not None:
            module._runtime.close()


@pytest.fixture
def robot() -> Iterator[Receiver]:
    """A chat robot's endpoint on 127.0.0.1 that records what it was sent (HTTP sinks' tests)."""
    with Receiver() as server:
        yield server


@pytest.fixture
def hook() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 answering 204."""
    with Receiver(ok=Answer(204, b"")) as server:
        yield server


@pytest.fixture
def redis_waits(monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """Every socket timeout (connect, send, read) the Redis store gives its connections, in seconds."""
    import playgate.store.redis as redis_store

    given: list[float | None] = []
    bounded = redis_store._bounded

    def recorded(configured: float | None) -> float | None:
        given.append(bounded(configured))
        return given[-1]

    monkeypatch.setattr(redis_store, "_bounded", recorded)
    return given
