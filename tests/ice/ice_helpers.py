from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from playgate.ice.client import IceClient
from playgate.ice.credentials import Credentials
from playgate.ice.retry import RetryPolicy
from playgate.testing import IceEmulator, sample_catalog_path
from playgate.testing.http_server import EmulatorServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ice"
SECRET = "s3cr3t-Access-Key-Secret-value"
TOKEN = "sts-token-CAIS-very-secret-token"


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def catalog_emulator() -> IceEmulator:
    return IceEmulator().load_catalog(sample_catalog_path())


@pytest.fixture
def catalog_server(catalog_emulator: IceEmulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(catalog_emulator) as server:
        yield server


@pytest.fixture
def make_client() -> Callable[..., IceClient]:
    """A client for an endpoint URL with fast retries; keyword arguments override the policy."""

    def make(
        url: str, *, sleep: Callable[[float], None] | None = None, clock: Any = None, **policy: Any
    ) -> IceClient:
        endpoint = url.split("://", 1)[-1]
        protocol = url.split("://", 1)[0] if "://" in url else "https"
        defaults = {"max_attempts": 4, "budget_s": 5.0, "timeout_s": 2.0, "base_s": 0.001, "cap_s": 0.01}
        kwargs: dict[str, Any] = {}
        if sleep is not None:
            kwargs["sleep"] = sleep
        if clock is not None:
            kwargs["clock"] = clock
        return IceClient(
            endpoint=endpoint,
            protocol=protocol,
            region_id="cn-shanghai",
            credentials=Credentials("LTAI5tTestKeyId0000", SECRET, TOKEN, "test"),
            policy=RetryPolicy(**{**defaults, **policy}),
            **kwargs,
        )

    return make
