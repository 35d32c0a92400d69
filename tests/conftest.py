"""Shared fixtures. Each test folder keeps its own fixtures in its own conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

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
