"""``stdout:`` — one JSON line per event on standard output (local runs, FC log inspection)."""

from __future__ import annotations

import sys
import threading
from typing import Any

from playgate.errors import SinkUnavailable
from playgate.publish.size import encode_event


class StdoutSink:
    url = "stdout:"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def send(self, event: dict[str, Any]) -> None:
        line = encode_event(event).decode("utf-8") + "\n"
        try:
            with self._lock:
                sys.stdout.write(line)
                sys.stdout.flush()
        except OSError as error:  # a closed pipe: the reader went away, a later delivery may succeed
            raise SinkUnavailable(f"stdout: could not write the event ({error.strerror or error})") from error

    def close(self) -> None:
        return None
