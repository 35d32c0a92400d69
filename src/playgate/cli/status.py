"""``playgate status MEDIA_ID|JOB_ID``: what the gate decided about a media, why, and where it went."""

from __future__ import annotations

import argparse
import sys

from playgate.cli.ledger import OUTCOME_EXIT, opened_ledger
from playgate.cli.outcome import add_output_options, write_output, write_table


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Reads the ledger (PLAYGATE_STORE when it is SQLite or PostgreSQL, else PLAYGATE_LEDGER). Exit 0 "
        "when the latest verdict passed or warned, 1 when it failed (or ICE, the job or the message "
        "failed), 2 when the ledger has no verdict about it or the settings are wrong."
    )
    parser.add_argument("subject", metavar="MEDIA_ID|JOB_ID", help="an ICE media id or job id")
    parser.add_argument("--limit", type=int, default=20, help="how many verdicts of the history to show")
    add_output_options(parser, ["table", "json", "markdown", "html"], "table")


def run(args: argparse.Namespace) -> int:
    from playgate.settings import load_settings
    from playgate.verdicts import render

    settings = load_settings()
    with opened_ledger(settings) as ledger:
        history = ledger.verdict_history(args.subject, limit=max(1, args.limit))
    if not history:
        print(
            f"playgate status: the ledger has no verdict about {args.subject!r} (a media id or a job id); "
            "check the id, and that PLAYGATE_STORE / PLAYGATE_LEDGER name the function's database",
            file=sys.stderr,
        )
        return 2
    if args.format == "table":
        write_table(lambda console: render.status_table(args.subject, history, console), args.out)
    elif args.format == "json":
        write_output(render.status_json(args.subject, history) + "\n", args.out)
    elif args.format == "markdown":
        write_output(render.status_markdown(args.subject, history), args.out)
    else:
        from playgate.verdicts.html import status_page

        write_output(status_page(args.subject, history), args.out)
    return OUTCOME_EXIT.get(history[0].outcome, 1)
