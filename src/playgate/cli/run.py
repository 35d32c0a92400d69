"""``playgate run EVENT_FILE…``: send saved trigger payloads through the configured handler.

Each file is one payload exactly as FC would pass it (a raw callback, a CloudEvent, a batch array, an
MNS topic message). Settings come from the environment, as in the function.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Settings come from PLAYGATE_* environment variables, as in the function (see the README's Settings "
        "table): e.g. PLAYGATE_ICE_ENDPOINT=http://127.0.0.1:8790 for a local 'playgate emulator'. Prints "
        "one JSON summary per file; exit 1 when an item would be redelivered, 2 for a missing file."
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
                summary, exit_code = error.summary, 1
            print(json.dumps({"file": str(path), **summary}))
    finally:
        runtime.close()
    return exit_code
