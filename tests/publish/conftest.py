from __future__ import annotations

from collections.abc import Iterator

import pytest
from publish_helpers import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QUEUES, SECURITY_TOKEN, TOPICS

from playgate.testing.mns_server import MnsServer

CREDENTIAL_VARS = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "PLAYGATE_ACCESS_KEY_ID",
    "PLAYGATE_ACCESS_KEY_SECRET",
    "PLAYGATE_SECURITY_TOKEN",
)


@pytest.fixture
def mns() -> Iterator[MnsServer]:
    with MnsServer(queues=QUEUES, topics=TOPICS) as server:
        yield server


@pytest.fixture
def no_cloud_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cloud_env(no_cloud_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """FC 3.0 style: the role's STS credentials in the environment, nothing else set."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", SECURITY_TOKEN)
