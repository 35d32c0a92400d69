"""``playgate run EVENT_FILE…``: send saved trigger payloads through the configured handler.

Each file is one payload exactly as FC would pass it (a raw callback, a CloudEvent, a batch array, an
MNS topic message). Settings come from the environment, as in the function.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Settings come from PLAYGATE_* environment variables, as in the function (see the README's Settings "
        "table): e.g. PLAYGATE_ICE_ENDPOINT=http://127.0.0.1:8790 for a local 'playgate emulator'. Prints "
        "one JSON summary per file. Exit 0 when every item was handled, 1 when an item was dead-lettered "
        "(not an ICE event, or a final failure with no alert) or failed retryably (nothing redelivers it: "
        "run again), 2 for a missing file or a configuration problem (a setting, or ICE refusing the "
        "credentials: nothing is recorded, so the same files can be run again once it is fixed)."
    )
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="EVENT_FILE",
        help="a file holding one trigger payload (JSON, or the raw bytes FC would pass)",
    )


def run(args: argparse.Namespace) -> int:
    from playgate.handler import RetryLater, Runtime, handle_payload

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"playgate run: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    runtime = Runtime.build()
    exit_code = 0
    try:
        for path in args.files:
            try:
                summary = handle_payload(path.read_bytes(), runtime=runtime)
            except RetryLater as error:
                if error.misconfigured is not None:  # nothing was recorded: one line, exit 2
                    raise error.misconfigured from None
                summary = error.summary
            print(json.dumps({"file": str(path), **summary}))
            if _explain(path, summary["results"], runtime.settings.dead_letter_sink):
                exit_code = 1
            _say_duplicates(path, summary["results"], runtime.settings.store)
    finally:
        runtime.close()
    return exit_code


def _explain(path: Path, results: list[dict[str, Any]], dead_letter_sink: str) -> bool:
    """One line on stderr per item that was not handled; True when there was one."""
    from playgate.log import redact_text

    trouble = False
    for number, result in enumerate(results, start=1):
        status, why = result.get("status"), _why(result)
        if status == "dead_letter":
            where = redact_text(result.get("destination") or dead_letter_sink)
            print(f"playgate run: {path} item {number}: {why}; dead letter sent to {where}{_hint(where)}",
                  file=sys.stderr)  # fmt: skip
        elif status == "retry":
            print(
                f"playgate run: {path} item {number} failed and was not handled: {why}; nothing "
                "redelivers it from here: run the command again once that is fixed",
                file=sys.stderr,
            )
        else:
            continue
        trouble = True
    return trouble


def _say_duplicates(path: Path, results: list[dict[str, Any]], store: str) -> None:
    """A duplicate published nothing: say where its record is and how to have the event gated again."""
    for number, result in enumerate(results, start=1):
        if result.get("status") == "duplicate":
            print(
                f"playgate run: {path} item {number}: {duplicate_hint(result['key'], store)}", file=sys.stderr
            )


def duplicate_hint(key: str, store: str) -> str:
    """Why a duplicate published nothing, where its record is, and how to have the event gated again."""
    from playgate.log import redact_text

    where = redact_text(store)
    if store.startswith("sqlite:///"):
        quoted = key.replace("'", "''")
        again = (
            f'delete the record (sqlite3 {store.removeprefix("sqlite:///")} "DELETE FROM idempotency '
            f"WHERE key = '{quoted}'\") or point PLAYGATE_STORE at a fresh file"
        )
    else:
        again = f"delete the key {key!r} from that store, or point PLAYGATE_STORE at a fresh one"
    return (
        f"duplicate: {key!r} was already handled, so nothing was published again (the record is in the "
        f"idempotency store {where}); to gate it again, {again}"
    )


def _why(result: dict[str, Any]) -> str:
    from playgate.cli import without_redelivery

    detail = result.get("detail")
    if isinstance(detail, dict):
        detail = detail.get("error")
    reason = result.get("reason") or "unknown"
    return f"{reason} ({without_redelivery(str(detail))})" if detail else reason


def _hint(sink: str) -> str:
    if sink.startswith("jsonl:"):
        path = sink.removeprefix("jsonl:").removeprefix("//")
        return f" (see: playgate dead-letters list {path})"
    return ""
