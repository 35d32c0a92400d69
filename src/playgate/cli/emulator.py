"""``playgate emulator``: serve the ICE emulator over HTTP on 127.0.0.1.

The first line printed is the URL it listens on (``http://127.0.0.1:PORT``), flushed at once, so a
script can start it with ``--port 0`` and read the port it got.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from playgate.testing import IceEmulator, sample_catalog_path
from playgate.testing.http_server import EmulatorServer


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        default=None,
        help="Folder of <MediaId>.media.json, <MediaId>.play.json, jobs.json (default: bundled sample).",
    )
    parser.add_argument("--port", type=int, default=8790, help="TCP port on 127.0.0.1; 0 picks a free one.")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="Delay added to every call.")


def run(args: argparse.Namespace) -> int:
    catalog = args.catalog or str(sample_catalog_path())
    try:
        emulator = IceEmulator(latency_s=args.latency_ms / 1000).load_catalog(catalog)
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
    print(
        f"ICE emulator: {len(emulator.media_ids)} media, {len(emulator.jobs)} jobs from {catalog}. "
        f"Point playgate at it with PLAYGATE_ICE_ENDPOINT={url}. Ctrl-C stops it.",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
