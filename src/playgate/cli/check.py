"""``playgate check MEDIA_ID``: gate a live media now, through the same code path as an event.

Without ``--publish`` it prints the verdict and changes nothing. With it, the message is published (its
own CloudEvent id, ``recheck: true`` in its data) and the verdict kept, even when the media was gated
before: the re-check after a re-transcode.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from playgate.cli.ledger import OUTCOME_EXIT
from playgate.cli.outcome import add_output_options, write_output, write_table
from playgate.events import MEDIA_INFO_EVENT_TYPE
from playgate.store.ledger import Ledger

DEFAULT_EVENT_TYPE = "TranscodeComplete"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Settings come from PLAYGATE_* variables, as in the function. The profile is chosen as for an event "
        "(UserData, then selectors) unless --profile names one. Exit 0 when the media passed or warned, 1 "
        "when it failed (or ICE could not give it), 2 for wrong settings or input."
    )
    parser.add_argument("media_id", metavar="MEDIA_ID", help="the ICE media id")
    parser.add_argument("--profile", help="the rule profile to use (default: chosen as for an event)")
    parser.add_argument(
        "--probe", choices=["none", "manifest", "decode"], help="override the profile's probe"
    )
    parser.add_argument(
        "--event-type", default=None, help="the event type profile selectors see (default: the latest "
        f"verdict's in the ledger, else {DEFAULT_EVENT_TYPE})",
    )  # fmt: skip
    parser.add_argument("--publish", action="store_true", help="publish the message and keep the verdict")
    add_output_options(parser, ["table", "json", "markdown"], "table")


def run(args: argparse.Namespace) -> int:
    from playgate.events.model import IceEvent
    from playgate.handler import Runtime
    from playgate.settings import load_settings
    from playgate.verdicts import render

    settings = load_settings()
    if args.probe:
        settings = settings.model_copy(update={"probe": args.probe})
    runtime = Runtime.build(settings)
    try:
        gate = runtime.gate
        if args.profile and not gate.rules.profile_key:
            print("playgate check: --profile needs the rule file's profile key (UserData)", file=sys.stderr)
            return 2
        if args.event_type == MEDIA_INFO_EVENT_TYPE:
            why = f"a check reads the media from ICE; {MEDIA_INFO_EVENT_TYPE} re-reads a job's result instead"
            print(f"playgate check: {why} (use playgate reconcile)", file=sys.stderr)
            return 2
        event = IceEvent(
            event_type=args.event_type or _latest_event_type(gate.ledger, args.media_id),
            media_id=args.media_id,
            status="success",
            event_time=datetime.now(timezone.utc),
            user_data={gate.rules.profile_key: args.profile} if args.profile else None,
            delivery_source="cli",
            confirmed_by_ice=True,
        )
        verdict = gate.check(event, publish=args.publish)
    finally:
        runtime.close()
    history = [verdict]
    if args.format == "table":
        write_table(lambda console: render.status_table(args.media_id, history, console), args.out)
    elif args.format == "json":
        write_output(render.status_json(args.media_id, history) + "\n", args.out)
    else:
        write_output(render.status_markdown(args.media_id, history), args.out)
    if not args.publish:
        print("playgate check: nothing was published or recorded (add --publish to do both)", file=sys.stderr)
    return OUTCOME_EXIT.get(verdict.outcome, 1)


def _latest_event_type(ledger: Ledger | None, media_id: str) -> str:
    """The event type the media was last gated for; a media-information job's result is not re-read
    (a check always asks GetMediaInfo and GetPlayInfo), so it counts as a transcode."""
    history = ledger.verdict_history(media_id, limit=5) if ledger is not None else []
    for verdict in history:
        if verdict.event_type and verdict.event_type != MEDIA_INFO_EVENT_TYPE:
            return verdict.event_type
    return DEFAULT_EVENT_TYPE
