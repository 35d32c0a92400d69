"""``playgate sinks test URL``: send a sample message to a sink so an operator sees it arrive.

The URL is any sink URL playgate takes (``${VAR}`` references are read from the environment, so the
same value as in ``PLAYGATE_ALERT_SINK`` works); settings (region, credentials, message templates) come
from the environment as in the function. Exit 0 when the sink took the message, 1 when it refused or
could not be reached (the reason is printed, without secrets), 2 for a configuration error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from typing import Any

SAMPLES = ("qc.alert", "playback.ready")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    test = sub.add_parser("test", help="send a sample message to one sink URL")
    test.add_argument("url", metavar="URL", help="a sink URL, e.g. 'dingtalk://?access_token=${DT_TOKEN}'")
    test.add_argument("--type", choices=SAMPLES, default="qc.alert", help="sample message (default qc.alert)")
    test.add_argument("--timeout", type=float, default=15.0, help="seconds to keep trying (default 15)")


def run(args: argparse.Namespace) -> int:
    from playgate.errors import ConfigError, PlaygateError
    from playgate.publish import open_sink
    from playgate.publish.base import HoldsBack
    from playgate.publish.routes import parse_routes
    from playgate.settings import Settings

    try:
        routes = parse_routes("URL", args.url)  # routing options (severity=…) are the publisher's
        if len(routes) > 1:
            raise ConfigError("give one sink URL at a time (a comma inside a URL is written %2C)")
        sink = open_sink(routes[0].url, Settings())
    except ConfigError as error:
        print(f"playgate sinks test: {one_line(error.message)}", file=sys.stderr)
        return 2
    event = sample(args.type, f"playgate/{Settings().function_name}")
    try:
        sink.send(event, timeout_s=args.timeout)
        if isinstance(sink, HoldsBack):  # a robot: what it held back goes now
            sink.flush(timeout_s=args.timeout)
    except PlaygateError as error:
        print(
            f"playgate sinks test: not delivered ({error.reason}): {one_line(error.message)}",
            file=sys.stderr,
        )
        return 1
    finally:
        sink.close()
    print(f"sent {event['type']} {event['id']} to {sink.url}")
    return 0


def one_line(message: str) -> str:
    from playgate.log import redact_text

    return " ".join(redact_text(message).split())


def sample(kind: str, source: str) -> dict[str, Any]:
    from playgate.publish.cloudevents import PLAYBACK_READY, QC_ALERT, make_event

    now = datetime.now(timezone.utc)
    base = {
        "media_id": "sample-media-0001",
        "job_id": "sample-job-0001",
        "event_type": "MediaConvertComplete",
    }
    if kind == "playback.ready":
        data = {
            **base,
            "title": "playgate sample (sinks test)",
            "renditions": [
                {"definition": "FHD", "format": "m3u8", "width": 1920, "height": 1080, "bitrate_kbps": 5000},
                {"definition": "HD", "format": "m3u8", "width": 1280, "height": 720, "bitrate_kbps": 2800},
            ],
            "qc": {"profile": "default", "outcome": "pass", "warnings": []},
        }
        return make_event(
            PLAYBACK_READY,
            source=source,
            subject=base["media_id"],
            data=data,
            id_parts=("test", now.isoformat()),
        )
    finding = {
        "rule": "video-height-at-least-720",
        "severity": "error",
        "outcome": "fail",
        "subject": "rendition HD/m3u8",
        "actual": 480,
        "expected": ">= 720",
        "message": "sample finding from playgate sinks test",
    }
    data = {
        **base,
        "title": "playgate sample (sinks test)",
        "severity": "error",
        "reason": "qc_failed",
        "profile": "default",
        "findings": [finding],
        "report_markdown": "sample report from playgate sinks test",
    }
    return make_event(
        QC_ALERT, source=source, subject=base["media_id"], data=data, id_parts=("test", now.isoformat())
    )
