"""A runtime wired to local parts (emulator over HTTP, SQLite, JSONL), and ways to look at the output."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playgate.handler import RetryLater, Runtime, handle_payload
from playgate.settings import Settings
from playgate.testing import IceEmulator
from playgate.testing.local import local_settings as testing_local_settings


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
        return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]  # not splitlines: U+2028


def local_settings(ice_url: str, folder: Path, **overrides: Any) -> Settings:
    """The package's local settings, with short ICE timeouts so fault tests stay fast."""
    values = {"ice_timeout_s": 1.0, "ice_deadline_s": 5.0, "function_name": "qc-gate-test", **overrides}
    return testing_local_settings(ice_url, folder, **values)
