"""``stdout:`` — one JSON line per event on standard output (local runs, FC log inspection).

In Function Compute standard output *is* the log, so this sink redacts signed-URL query values and
credentials like every log line: it shows what would be published, not URLs anyone can play. Use a
``jsonl:`` or MNS sink for messages meant to be consumed.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from playgate.errors import SinkUnavailable
from playgate.log import redact
from playgate.publish.size import encode_event


class StdoutSink:
    url = "stdout:"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        line = encode_event(redact(event)).decode("utf-8") + "\n"
        try:
            with self._lock:
                sys.stdout.write(line)
                sys.stdout.flush()
        except OSError as error:  # a closed pipe: the reader went away, a later delivery may succeed
            raise SinkUnavailable(f"stdout: could not write the event ({error.strerror or error})") from error

    def close(self) -> None:
        return None
