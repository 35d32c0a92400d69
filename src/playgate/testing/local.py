"""Settings for running playgate on this machine: the emulator's URL, a SQLite store and JSONL sinks.

The demo, the benchmarks and the tests all run the real handler against local parts; this is the one
place that says what those parts are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playgate.settings import Settings
from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET


def local_settings(ice_url: str | None, folder: Path, **overrides: Any) -> Settings:
    """Settings whose ICE is ``ice_url`` and whose store and sinks are files in ``folder``.

    ``ice_url`` None keeps the public endpoint, for the in-process ``mock_ice`` that answers it.
    """
    values: dict[str, Any] = {
        "ice_endpoint": ice_url,
        "region": "cn-shanghai",
        "access_key_id": TEST_ACCESS_KEY_ID,  # the emulator's own AccessKey: it verifies signatures
        "access_key_secret": TEST_ACCESS_KEY_SECRET,
        "store": f"sqlite:///{folder / 'store.sqlite3'}",
        "playback_sink": f"jsonl://{folder / 'playback.jsonl'}",
        "alert_sink": f"jsonl://{folder / 'alerts.jsonl'}",
        "dead_letter_sink": f"jsonl://{folder / 'dead-letters.jsonl'}",
        # the sample catalog's URLs point at cdn.example.com: nothing to probe here (probe=None: profiles say)
        "probe": "none",
        **overrides,
    }
    return Settings(**values)
