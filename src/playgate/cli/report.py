"""``playgate report``: how a period went, from the ledger — rates per day and profile, the rules that fail
most, time from the ICE event to the verdict, the alerts and the trend."""

from __future__ import annotations

import argparse
import re
import time
from datetime import datetime, timezone

from playgate.cli.ledger import opened_ledger
from playgate.cli.outcome import BadInput, add_output_options, run_reporting, write_output

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Reads the ledger (PLAYGATE_STORE when it is SQLite or PostgreSQL, else PLAYGATE_LEDGER). Times "
        "are UTC. Exit 0 when the report was written, 2 for a bad period or wrong settings."
    )
    parser.add_argument(
        "--since", default=None, metavar="DURATION", help="the last DURATION, e.g. 7d, 24h (default 7d)"
    )
    parser.add_argument(
        "--from", dest="start", metavar="WHEN", help="start: a date (2026-11-01) or an ISO time"
    )
    parser.add_argument("--to", dest="end", metavar="WHEN", help="end (exclusive; default now)")
    parser.add_argument("--profile", help="only the verdicts of this profile")
    add_output_options(parser, ["markdown", "html", "json"], "markdown")


def run(args: argparse.Namespace) -> int:
    return run_reporting("report", _report, args)


def _report(args: argparse.Namespace) -> int:
    from playgate.settings import load_settings
    from playgate.verdicts import render
    from playgate.verdicts.summary import summarize

    start, end = period(args.since, args.start, args.end, now=time.time())
    with opened_ledger(load_settings()) as ledger:
        rows = ledger.verdict_summaries(start, end, profile=args.profile)
    summary = summarize(rows, start=start, end=end, profile=args.profile)
    if args.format == "json":
        write_output(render.report_json(summary) + "\n", args.out)
    elif args.format == "markdown":
        write_output(render.report_markdown(summary), args.out)
    else:
        from playgate.verdicts.html import report_page

        write_output(report_page(summary), args.out)
    return 0


def period(since: str | None, start: str | None, end: str | None, *, now: float) -> tuple[float, float]:
    """[start, end) in epoch seconds from ``--since`` or ``--from``/``--to``."""
    if since and start:
        raise BadInput("give --since or --from, not both")
    stop = moment(end, "--to") if end else now
    if start:
        begin = moment(start, "--from")
    else:
        match = _DURATION.fullmatch((since or "7d").strip())
        if not match:
            raise BadInput(f"--since {since!r} is not a duration such as 30m, 24h, 7d or 2w")
        begin = stop - float(match.group(1)) * _UNITS[match.group(2)]
    if begin >= stop:
        raise BadInput("the period is empty: its start is not before its end")
    return begin, stop


def moment(text: str, option: str) -> float:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"{option} {text!r} is not a date (2026-11-01) or an ISO time (2026-11-01T08:00Z)"
        ) from None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
