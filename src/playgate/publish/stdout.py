"""``stdout:`` — one JSON line per event on standard output (local runs, FC log inspection).

In Function Compute standard output *is* the log, so this sink redacts signed-URL query values and
credentials like every log line: it shows what would be published, not URLs anyone can play. Use a
``jsonl:`` or MNS sink for messages meant to be consumed.
"""

from __future__ import annotations

from typing import Any

from playgate.errors import SinkUnavailable
from playgate.log import redact, write_stdout_line
from playgate.publish.size import encode_event


class StdoutSink:
    url = "stdout:"

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        line = encode_event(redact(event)).decode("utf-8")
        try:
            write_stdout_line(line)  # the log's own writer: a message never shares a line with a log line
        except OSError as error:  # a closed pipe: the reader went away, a later delivery may succeed
            raise SinkUnavailable(f"stdout: could not write the event ({error.strerror or error})") from error

    def close(self) -> None:
        return None
