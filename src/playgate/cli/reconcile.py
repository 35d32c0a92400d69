"""``playgate reconcile``: sweep ListMediaInfoJobs by hand (backfills), with the gate's settings and sinks."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

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
    listing = _Listing() if args.dry_run else None
    try:
        with progress_on_stderr() as progress:

            def on_job(job: dict[str, Any], category: str) -> None:
                progress(job)
                if listing is not None:
                    listing.add(job, category)

            result = sweep(runtime, start=start, end=end, dry_run=args.dry_run, now=now, on_job=on_job)
    finally:
        runtime.close()
    if listing is not None:
        print(listing.summary(result))
    else:
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


class _Listing:
    """A dry run's output: one line per job it would gate (job, media, status), as the jobs come."""

    def __init__(self) -> None:
        self.header_printed = False

    def add(self, job: dict[str, Any], category: str) -> None:
        if category != "would_gate":
            return
        if not self.header_printed:
            print(f"{'JOB':<32}  {'MEDIA':<40}  STATUS")
            self.header_printed = True
        media = (job.get("Input") or {}).get("Media") or "-"
        print(f"{job.get('JobId', '-'):<32}  {media:<40}  {job.get('Status', '-')}", flush=True)

    def summary(self, result: Any) -> str:
        return (
            f"would gate {result.would_gate} of {result.jobs_seen} job(s) in {result.window_start} → "
            f"{result.window_end} ({result.duplicates} already gated, {result.pending} still running); "
            "dry run: nothing was published and the watermark was not moved"
        )


EVERY = 100  # jobs between two progress lines when stderr is not a terminal


@contextmanager
def progress_on_stderr() -> Iterator[Callable[[dict[str, Any]], None]]:
    """A function to call per job: a progress bar on a terminal, else a line every EVERY jobs."""
    if not sys.stderr.isatty():
        seen = 0

        def line(job: dict[str, Any]) -> None:
            nonlocal seen
            seen += 1
            if seen % EVERY == 0:
                print(f"playgate reconcile: {seen} jobs so far (up to {job.get('SubmitTime', '?')})",
                      file=sys.stderr, flush=True)  # fmt: skip

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("reconcile"), BarColumn(), TextColumn("{task.completed} jobs"))
    with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("jobs", total=None)
        yield lambda job: bar.advance(task)
