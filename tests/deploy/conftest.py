"""Fixtures for the deployment tests."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from deploy_files import load_yaml


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_yaml("template.yml")


@pytest.fixture(scope="session")
def s_config() -> dict[str, Any]:
    return load_yaml("s.yaml")


@pytest.fixture
def fc_context() -> SimpleNamespace:
    """What FC 2.0 hands a python3.10 function (FC 3.0 has no credentials attribute)."""
    return SimpleNamespace(
        request_id="req-deploy-test",
        region="cn-shanghai",
        account_id="1234567890",
        credentials=None,
        function=SimpleNamespace(name="qc-gate", handler="index.handler", memory=512, timeout=60),
        service=SimpleNamespace(name="playgate"),
    )
