"""Events per second through the whole FC handler, and the latency of one event with slow ICE.

    python bench/bench_handler.py [--events 500] [--latency-ms 100] [--latency-events 20] [--runs 3]

Throughput: one process pinned to one core, the in-process emulator (``mock_ice``: playgate's signed
requests answered without sockets), a SQLite store and JSONL sinks in a temporary
folder; each event is a new job, so every one is fetched, checked and published. Latency: the emulator
over real HTTP on 127.0.0.1 answering each call after ``--latency-ms``; since GetMediaInfo and
GetPlayInfo overlap, one event should take about one round trip. Prints medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from playgate.handler import Runtime, handle_payload
from playgate.settings import Settings
from playgate.testing import EmulatorServer, IceEmulator, mock_ice, sample_catalog_path
from playgate.testing.local import local_settings
from playgate.testing.sample_events import callback


def settings_for(folder: Path, ice_url: str | None = None) -> Settings:
    return local_settings(ice_url, folder, log_level="error")


def payloads(count: int, prefix: str) -> list[bytes]:
    return [
        json.dumps(callback("MediaConvertComplete", f"{prefix}-{n}", "media-ladder-ok")).encode()
        for n in range(count)
    ]


def throughput(events: int) -> float:
    emulator = IceEmulator().load_catalog(sample_catalog_path())
    with tempfile.TemporaryDirectory() as folder, mock_ice(emulator):
        runtime = Runtime.build(settings_for(Path(folder)))
        handle_payload(payloads(1, "warm")[0], runtime=runtime)
        batch = payloads(events, f"t{time.monotonic_ns()}")
        started = time.perf_counter()
        for payload in batch:
            handle_payload(payload, runtime=runtime)
        elapsed = time.perf_counter() - started
        runtime.close()
    return events / elapsed


def latency(events: int, latency_ms: float) -> float:
    emulator = IceEmulator().load_catalog(sample_catalog_path())
    with tempfile.TemporaryDirectory() as folder, EmulatorServer(emulator) as server:
        runtime = Runtime.build(settings_for(Path(folder), server.url))
        handle_payload(payloads(1, "warm")[0], runtime=runtime)
        emulator.latency_s = latency_ms / 1000
        times = []
        for payload in payloads(events, f"l{time.monotonic_ns()}"):
            started = time.perf_counter()
            handle_payload(payload, runtime=runtime)
            times.append(time.perf_counter() - started)
        runtime.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--latency-events", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rates = [throughput(args.events) for _ in range(args.runs)]
    print(
        f"throughput, one core, in-process emulator: median {statistics.median(rates):.0f} events/s "
        f"(runs: {', '.join(f'{r:.0f}' for r in rates)}; {args.events} events each)"
    )
    waits = [latency(args.latency_events, args.latency_ms) for _ in range(args.runs)]
    print(
        f"latency of one event with {args.latency_ms:.0f} ms per ICE call: median "
        f"{statistics.median(waits) * 1000:.1f} ms (runs: {', '.join(f'{w * 1000:.1f}' for w in waits)})"
    )


if __name__ == "__main__":
    main()
