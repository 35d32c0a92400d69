"""Probing a 3-rung HLS ladder of 2 hours (6 s segments) with 20 ms per request.

    python bench/bench_probe.py [--latency-ms 20] [--hours 2] [--segment-s 6] [--max-segments 30] [-n 5]

The ladder (master, three media playlists of 1,200 segments, segment sizes that vary ±5 % around each
rung's bit rate) is served by playgate.testing's StreamServer in a child process, so the CPU figure
is the probe's own. Each run is a fresh probe in this process (a new fetcher: new connections), as in
one gate invocation; playlists are fetched and parsed, ``--max-segments`` segments per rung are sized
with one-byte ranged GETs. Prints requests made, wall time and CPU time (user + system, all threads)
per run; the first run (which imports the probe's format modules, once per FC instance) apart, then
the median and spread.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

RUNGS = ((640, 360, 800_000), (1280, 720, 2_400_000), (1920, 1080, 5_000_000))


def ladder(hours: float, segment_s: int) -> dict[str, bytes | int]:
    """path → bytes (playlists) or a size (segments, served as that many zero bytes)."""
    count = int(hours * 3600 / segment_s)
    files: dict[str, bytes | int] = {}
    master = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for r, (width, height, bps) in enumerate(RUNGS):
        sizes = [int(bps * segment_s / 8 * (1 + 0.05 * ((i * 7919) % 11 - 5) / 5)) for i in range(count)]
        peak = max(s * 8 / segment_s for s in sizes)
        average = sum(sizes) * 8 / (count * segment_s)
        master += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={int(peak)},AVERAGE-BANDWIDTH={int(average)},"
            f'RESOLUTION={width}x{height},CODECS="avc1.640028,mp4a.40.2"',
            f"r{r}/index.m3u8",
        ]
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{segment_s}",
            "#EXT-X-PLAYLIST-TYPE:VOD",
        ]
        for i, size in enumerate(sizes):
            files[f"/r{r}/seg_{i:05d}.ts"] = size
            lines += [f"#EXTINF:{segment_s:.3f},", f"seg_{i:05d}.ts"]
        lines.append("#EXT-X-ENDLIST")
        files[f"/r{r}/index.m3u8"] = ("\n".join(lines) + "\n").encode()
    files["/master.m3u8"] = ("\n".join(master) + "\n").encode()
    return files


def serve(latency_ms: float, hours: float, segment_s: int) -> None:
    from playgate.testing.stream_server import StreamServer

    server = StreamServer()
    server.virtual.update(ladder(hours, segment_s))
    server.latency_s = latency_ms / 1000
    with server:
        print(server.base, flush=True)
        sys.stdin.read()  # until the parent closes stdin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--segment-s", type=int, default=6)
    parser.add_argument("--max-segments", type=int, default=30)
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency_ms, args.hours, args.segment_s)
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency-ms", str(args.latency_ms),
         "--hours", str(args.hours), "--segment-s", str(args.segment_s)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = child.stdout.readline().strip()
        run(base, args)
    finally:
        child.stdin.close()
        child.wait(timeout=10)


def run(base: str, args: argparse.Namespace) -> None:
    from playgate.probe.checks import effective_checks
    from playgate.probe.results import Results
    from playgate.probe.runner import Target, make_fetcher, probe_targets
    from playgate.rules.report import Report
    from playgate.settings import Settings

    settings = Settings(probe_allow_hosts="127.0.0.1", probe_max_segments=args.max_segments)
    import playgate.probe.hls  # noqa: F401  (imported once per FC instance, not per probe: keep it out of the figures)

    walls, cpus = [], []
    for i in range(args.n):
        results = Results(effective_checks())
        cpu0, wall0 = time.process_time(), time.perf_counter()
        with make_fetcher(settings, results, deadline=time.monotonic() + 30) as fetcher:
            probe_targets([Target(f"{base}/master.m3u8")], fetcher, results, max_segments=args.max_segments)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        report = Report.from_findings("bench", None, results.findings())
        walls.append(wall)
        cpus.append(cpu)
        print(
            f"run {i + 1}: {report.outcome}, {fetcher.requests_made} requests, "
            f"wall {wall * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms"
        )
    warm_walls, warm_cpus = walls[1:] or walls, cpus[1:] or cpus
    print(
        f"first probe in this process (imports the format modules): wall {walls[0] * 1000:.0f} ms, "
        f"CPU {cpus[0] * 1000:.0f} ms"
    )
    print(
        f"median of the other {len(warm_walls)}: wall {statistics.median(warm_walls) * 1000:.0f} ms "
        f"({min(warm_walls) * 1000:.0f}–{max(warm_walls) * 1000:.0f}), "
        f"CPU {statistics.median(warm_cpus) * 1000:.0f} ms "
        f"({min(warm_cpus) * 1000:.0f}–{max(warm_cpus) * 1000:.0f}); "
        "goal: wall < 1000 ms, CPU < 200 ms"
    )


if __name__ == "__main__":
    main()
