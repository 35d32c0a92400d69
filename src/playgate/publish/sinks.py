"""``open_sink(url)``: one sink from its URL.

==========================  ==========================================================================
``stdout:``                 one JSON line per event on standard output
``jsonl:///abs/file.jsonl``  append to a file (``jsonl://relative/file.jsonl`` is relative to the cwd)
``mns-queue://NAME``        MNS queue (``?endpoint=``, ``?base64=``, ``?max_bytes=``, ``?timeout=``)
``mns-topic://NAME``        MNS topic (``?endpoint=``, ``?max_bytes=``, ``?timeout=``)
==========================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playgate.errors import ConfigError
from playgate.ice.credentials import Credentials, resolve_credentials
from playgate.log import redact_text
from playgate.publish.base import Sink

SCHEMES = "stdout:, jsonl:///path/file.jsonl, mns-queue://NAME, mns-topic://NAME"


def open_sink(
    url: str,
    settings: Any,
    context: Any = None,
    *,
    credentials: Callable[[], Credentials | None] | None = None,
) -> Sink:
    """Open the sink ``url`` names. ``credentials`` overrides the chain (settings → FC context → env)."""
    url = url.strip()
    if url in {"stdout", "stdout:", "stdout://"}:
        from playgate.publish.stdout import StdoutSink

        return StdoutSink()
    if url.startswith("jsonl:"):
        from playgate.publish.jsonl import JsonlSink

        return JsonlSink(url)
    if url.startswith(("mns-queue://", "mns-topic://")):
        from playgate.publish.mns import open_mns

        return open_mns(url, settings, credentials or (lambda: resolve_credentials(settings, context)))
    raise ConfigError(f"unknown sink URL {redact_text(url)!r}; use one of: {SCHEMES}")
