"""fetch() sends GetMediaInfo and GetPlayInfo at once: with L ms latency per call it takes ≈ L, not 2L.

    python bench/bench_fetch.py [--latency-ms 100] [-n 20]

Prints the median wall time of fetch() and of the two calls made one after the other, against the
emulator over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import statistics
import time

from playgate.ice.client import IceClient
from playgate.ice.credentials import Credentials
from playgate.testing import IceEmulator, sample_catalog_path
from playgate.testing.http_server import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, EmulatorServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    emulator = IceEmulator().load_catalog(sample_catalog_path())
    with EmulatorServer(emulator) as server:
        host = server.url.split("://", 1)[1]
        creds = Credentials(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, None, "bench")
        client = IceClient(endpoint=host, protocol="http", credentials=creds)
        client.fetch("media-ladder-ok")  # warm: SDK import, connection pool
        emulator.latency_s = args.latency_ms / 1000
        parallel, serial = [], []
        for _ in range(args.n):
            t = time.perf_counter()
            client.fetch("media-ladder-ok")
            parallel.append(time.perf_counter() - t)
            t = time.perf_counter()
            client.get_media_info("media-ladder-ok")
            client.get_play_info("media-ladder-ok")
            serial.append(time.perf_counter() - t)
    print(f"latency per call: {args.latency_ms:.0f} ms, n={args.n}")
    print(f"fetch() (GetMediaInfo ∥ GetPlayInfo): median {statistics.median(parallel) * 1000:.1f} ms")
    print(f"the two calls one after the other:   median {statistics.median(serial) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
