"""Running ``playgate`` as a user does: a subprocess with its own environment, no terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def playgate(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120):
    """``python -m playgate.cli ARGS`` with only ``env`` as PLAYGATE_* settings (none of the caller's)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYGATE_", "ALIBABA_CLOUD_"))}
    base["PYTHONPATH"] = str(ROOT / "src")
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", *args],
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_line_on_stderr(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]
