"""Fixtures for the command-line tests: a working local environment to break one setting of."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playgate.testing.sample_events import callback


@pytest.fixture
def local_env(emulator_server, tmp_path) -> dict[str, str]:
    """PLAYGATE_* for a run against the emulator with a SQLite store and JSONL sinks in tmp_path."""
    return {
        **emulator_server.env,
        "PLAYGATE_REGION": "cn-shanghai",
        "PLAYGATE_STORE": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "PLAYGATE_PLAYBACK_SINK": f"jsonl://{tmp_path / 'playback.jsonl'}",
        "PLAYGATE_ALERT_SINK": f"jsonl://{tmp_path / 'alerts.jsonl'}",
        "PLAYGATE_DEAD_LETTER_SINK": f"jsonl://{tmp_path / 'dead-letters.jsonl'}",
        "PLAYGATE_LOG_LEVEL": "error",
    }


@pytest.fixture
def event_file(tmp_path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(callback("MediaConvertComplete", "job-cli-1", "media-ladder-ok")))
    return path
