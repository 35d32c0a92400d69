"""``playgate samples``: files to try playgate on one's own, matching the emulator's bundled catalog.

Writes trigger payloads (``events/*.json``, for ``playgate run``) and a media's saved GetMediaInfo and
GetPlayInfo responses (for ``playgate rules check``). Every payload names a media of the catalog that
``playgate emulator`` serves, so each one is gated for real.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

SAMPLE_MEDIA = "media-ladder-ok"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Then, with 'playgate emulator' running and its environment pasted: "
        "playgate run playgate-samples/events/transcode-complete.json"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("playgate-samples"),
        help="folder to write into (default: ./playgate-samples); files already there are replaced",
    )


def run(args: argparse.Namespace) -> int:
    from playgate.testing import sample_catalog_path
    from playgate.testing.sample_events import sample_event_files

    out: Path = args.out
    events = out / "events"
    try:
        events.mkdir(parents=True, exist_ok=True)
        catalog = sample_catalog_path()
        shutil.copyfile(catalog / f"{SAMPLE_MEDIA}.media.json", out / "GetMediaInfo.json")
        shutil.copyfile(catalog / f"{SAMPLE_MEDIA}.play.json", out / "GetPlayInfo.json")
        written = {}
        for name, (what, payload) in sample_event_files().items():
            (events / name).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
            written[events / name] = what
    except OSError as error:
        print(
            f"playgate samples: --out {out} cannot be written ({error.strerror or error}); "
            "pass a folder you can write to",
            file=sys.stderr,
        )
        return 2
    print(f"ICE responses of {SAMPLE_MEDIA} (for playgate rules check --media … --play …):")
    print(f"  {out / 'GetMediaInfo.json'}\n  {out / 'GetPlayInfo.json'}")
    print("trigger payloads (for playgate run, against playgate emulator):")
    for path, what in written.items():
        print(f"  {path}\n      {what}")
    return 0
