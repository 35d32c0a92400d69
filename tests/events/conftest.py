"""Shared fixtures for the event-decoding tests: the saved envelopes in ./fixtures (see its README)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

# The HTTP trigger fixture is signed for this callback URL and key, at this time.
HTTP_CALLBACK_URL = "https://qc-gate.example.com/ice/callback"
HTTP_AUTH_KEY = "PlaygateTest123"
HTTP_SIGNED_AT = 1716183000


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """The bytes FC would pass for a saved envelope: ``fixture_bytes("mns_queue_single")``."""
    return lambda name: (FIXTURES / f"{name}.json").read_bytes()


@pytest.fixture
def fixture_json(fixture_bytes: Callable[[str], bytes]) -> Callable[[str], Any]:
    return lambda name: json.loads(fixture_bytes(name))


@pytest.fixture
def http_auth() -> dict[str, Any]:
    return {"url": HTTP_CALLBACK_URL, "auth_key": HTTP_AUTH_KEY, "now": float(HTTP_SIGNED_AT)}


@pytest.fixture
def media_info_jobs() -> list[dict[str, Any]]:
    """The ListMediaInfoJobs reference response's jobs (tests/fixtures/ice)."""
    path = Path(__file__).parents[1] / "fixtures" / "ice" / "ListMediaInfoJobs.json"
    return json.loads(path.read_text())["Jobs"]
