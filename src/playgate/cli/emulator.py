"""``playgate emulator``: serve the ICE emulator over HTTP on 127.0.0.1.

The first line printed is the URL it listens on (``http://127.0.0.1:PORT``), flushed at once, so a
script can start it with ``--port 0`` and read the port it got. Then comes the environment that points
playgate at it, ready to paste: the emulator verifies every request's signature, so the AccessKey matters.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from playgate.testing import IceEmulator, sample_catalog_path
from playgate.testing.http_server import EmulatorServer
from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET

REGION = "cn-shanghai"  # any region id will do: the emulator answers every one


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        default=None,
        help="Folder of <MediaId>.media.json, <MediaId>.play.json, jobs.json (default: bundled sample).",
    )
    parser.add_argument("--port", type=int, default=8790, help="TCP port on 127.0.0.1; 0 picks a free one.")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="Delay added to every call.")
    parser.add_argument(
        "--access-key",
        action="append",
        default=[],
        type=access_key,
        metavar="ID:SECRET",
        help=f"Also accept this AccessKey (repeatable); {TEST_ACCESS_KEY_ID} is always accepted.",
    )


def access_key(text: str) -> tuple[str, str]:
    key_id, _, secret = text.partition(":")
    if not key_id.strip() or not secret:
        raise argparse.ArgumentTypeError("an AccessKey is written ID:SECRET, e.g. my-key-id:my-key-secret")
    return key_id.strip(), secret


def banner(url: str, emulator: IceEmulator, catalog: str, *, added: list[str]) -> str:
    also = [f"It also accepts the AccessKey(s) you added: {', '.join(added)}."] if added else []
    return "\n".join(
        [
            f"ICE emulator: {len(emulator.media_ids)} media, {len(emulator.jobs)} jobs from {catalog}.",
            "Point playgate at it with this environment (the emulator checks every request's signature;",
            "the AccessKey below is its own test key, and any other key is refused):",
            *also,
            "",
            f"export PLAYGATE_ICE_ENDPOINT={url} PLAYGATE_REGION={REGION} \\",
            f"  PLAYGATE_ACCESS_KEY_ID={TEST_ACCESS_KEY_ID} \\",
            f"  PLAYGATE_ACCESS_KEY_SECRET={TEST_ACCESS_KEY_SECRET}",
            "",
            "Then try: playgate samples && playgate run playgate-samples/events/transcode-complete.json",
            "Ctrl-C stops it.",
        ]
    )


def run(args: argparse.Namespace) -> int:
    catalog = args.catalog or str(sample_catalog_path())
    try:
        emulator = IceEmulator(latency_s=args.latency_ms / 1000).load_catalog(catalog)
        for key_id, secret in args.access_key:
            emulator.add_access_key(key_id, secret)
    except (OSError, ValueError) as exc:
        print(f"playgate emulator: cannot load catalog: {exc}", file=sys.stderr)
        return 2
    server = EmulatorServer(emulator, port=args.port)
    try:
        url = server.start()
    except OSError as exc:
        print(
            f"playgate emulator: cannot listen on 127.0.0.1:{args.port}: {exc}. Try --port 0.",
            file=sys.stderr,
        )
        return 2
    print(url, flush=True)
    print(banner(url, emulator, catalog, added=[key_id for key_id, _ in args.access_key]), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
