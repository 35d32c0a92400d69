"""Shared fixtures. Each test folder keeps its own fixtures in its own conftest.py."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own PLAYGATE_* settings or Alibaba Cloud credentials."""
    for name in list(os.environ):
        if name.startswith(("PLAYGATE_", "ALIBABA_CLOUD_", "ALICLOUD_")):
            monkeypatch.delenv(name)
