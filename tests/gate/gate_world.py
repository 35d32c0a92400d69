"""A runtime wired to local parts (emulator over HTTP, SQLite, JSONL), and ways to look at the output."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playgate.handler import RetryLater, Runtime, handle_payload
from playgate.settings import Settings
from playgate.testing import IceEmulator


@dataclass
class GateWorld:
    """A runtime wired to local parts, and ways to look at what came out."""

    emulator: IceEmulator
    folder: Path
    runtime: Runtime

    def send(self, payload: Any) -> dict[str, Any]:
        """One invocation; a RetryLater comes back as its summary with ``retry: True``."""
        try:
            return handle_payload(payload, runtime=self.runtime)
        except RetryLater as error:
            return {**error.summary, "retry": True}

    def messages(self, sink: str) -> list[dict[str, Any]]:
        path = self.folder / f"{sink}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def local_settings(ice_url: str, folder: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ice_endpoint": ice_url,
        "region": "cn-shanghai",
        "access_key_id": "test-access-key-id",
        "access_key_secret": "test-access-key-secret",
        "store": f"sqlite:///{folder / 'store.sqlite3'}",
        "playback_sink": f"jsonl://{folder / 'playback.jsonl'}",
        "alert_sink": f"jsonl://{folder / 'alerts.jsonl'}",
        "dead_letter_sink": f"jsonl://{folder / 'dead-letters.jsonl'}",
        "ice_timeout_s": 1.0,
        "ice_deadline_s": 5.0,
        "function_name": "qc-gate-test",
        **overrides,
    }
    return Settings(**values)
