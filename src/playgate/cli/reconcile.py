"""``playgate reconcile``: sweep ListMediaInfoJobs by hand (backfills), with the gate's settings and sinks."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timedelta, timezone

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: use a number and s, m, h or d, e.g. 2h"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def moment(text: str) -> datetime:
    from playgate.ice.values import parse_time

    value, problem = parse_time(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{problem}; use ISO 8601 UTC, e.g. 2026-11-21T08:00:00Z")
    return value


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Sweep ListMediaInfoJobs and send every finished job through the gate. Without a window it "
        "continues from the stored watermark (as the timer function does); with --since or --from/--to it "
        "sweeps that window and leaves the watermark alone."
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--since", type=duration, metavar="DURATION", help="window from now minus DURATION (2h, 30m, 1d)"
    )
    group.add_argument("--from", dest="start", type=moment, metavar="T", help="window start (ISO 8601 UTC)")
    parser.add_argument("--to", dest="end", type=moment, metavar="T", help="window end (default: now)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be gated; publish nothing")


def run(args: argparse.Namespace) -> int:
    from playgate.handler import Runtime
    from playgate.reconcile import sweep

    now = datetime.now(timezone.utc)
    start = now - args.since if args.since else args.start
    end = args.end or (now if start is not None else None)
    if start is not None and end is not None and start >= end:
        print("playgate reconcile: the window is empty: --from must be before --to", file=sys.stderr)
        return 2
    runtime = Runtime.build()
    try:
        result = sweep(runtime, start=start, end=end, dry_run=args.dry_run, now=now)
    finally:
        runtime.close()
    print(json.dumps(result.as_dict(), indent=2))
    if result.retry_later:
        print(
            f"playgate reconcile: {result.retry_later} job(s) failed and were not gated (the log says why); "
            "nothing retries them from here: run the command again once that is fixed (jobs already "
            "gated publish nothing twice)",
            file=sys.stderr,
        )
        return 1
    return 0
