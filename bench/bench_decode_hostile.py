"""Worst-case time and memory of the decoder (ffmpeg in its cage, and the guard) on hostile inputs.

    python bench/bench_decode_hostile.py [--runs 3] [--no-ceiling]

Each case runs ``decode_target`` (one 2 s window) in a fresh worker process and prints, as median
[max] over the runs: the wall time, ffmpeg's peak RSS (the children's maxrss: ffmpeg is the only
child) and the worker's own peak RSS (Python, the guard relaying and checking playlists).

- ``local-3M``: a local playlist of 3,000,000 segments (60 MiB; user-named, so not size-capped).
- ``remote-3M``: the same playlist served on 127.0.0.1, read through the guard (over its 4 MiB cap).
- ``master-16x190k`` / ``master-64x190k``: a master of 16 / 64 variants, each a 190,000-segment
  playlist just under the cap (ffmpeg opens every variant of a master).

The worker's RSS includes the test CDN, which reads a served file whole (60 MiB for ``remote-3M``).
ffmpeg's figure is the larger of its own peak and the worker's RSS when it was forked.

``--no-ceiling`` runs ffmpeg without its address-space ceiling, for comparison.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = ["local-3M", "remote-3M", "master-16x190k", "master-64x190k"]


def write_playlist(path: Path, segments: int) -> None:
    """Written in slices, so the worker's own memory stays small (ffmpeg's child maxrss counts it too)."""
    with path.open("wb") as out:
        out.write(b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n")
        for start in range(0, segments, 10_000):
            out.write(
                "".join(f"#EXTINF:2,\n{i}.ts\n" for i in range(start, min(start + 10_000, segments))).encode()
            )
        out.write(b"#EXT-X-ENDLIST\n")


def worker(case: str, no_ceiling: bool) -> dict[str, float | str]:
    from playgate.decode import ffmpeg
    from playgate.decode.engine import Target, decode_target
    from playgate.decode.guard import GuardProxy
    from playgate.decode.spec import DecodeSpec, Window
    from playgate.probe.fetch import Fetcher
    from playgate.testing.stream_server import StreamServer

    if no_ceiling:
        ffmpeg.run.__defaults__ = (None, resource.RLIM_INFINITY)
    spec, tools = DecodeSpec(windows=[Window(start=0, seconds=2)]), ffmpeg.find_tools(None)
    with tempfile.TemporaryDirectory() as name, StreamServer(name) as cdn:
        folder = Path(name)
        if case.endswith("-3M"):
            write_playlist(folder / "v.m3u8", 3_000_000)
            source = str(folder / "v.m3u8") if case == "local-3M" else cdn.url("/v.m3u8")
        else:
            variants = int(case.split("-")[1].split("x")[0])
            write_playlist(folder / "v.m3u8", 190_000)
            lines = (f"#EXT-X-STREAM-INF:BANDWIDTH={i + 1}000\nv.m3u8?v={i}\n" for i in range(variants))
            (folder / "master.m3u8").write_text("#EXTM3U\n" + "".join(lines))
            source = cdn.url("/master.m3u8")
        with Fetcher(allow_hosts=["127.0.0.1"]) as fetcher, GuardProxy(fetcher) as guard:
            started = time.monotonic()
            findings = decode_target(Target(source, "r"), spec, tools, timeout_s=60, guard=guard)
            wall = time.monotonic() - started
    return {
        "wall_s": wall,
        "ffmpeg_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "worker_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "finding": "; ".join(f"{f.rule} {f.outcome}: {f.message[-90:]}" for f in findings)[:300],
    }


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--worker", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.no_ceiling)))
        return
    extra = ["--no-ceiling"] if args.no_ceiling else []
    for case in CASES:
        argv = [sys.executable, __file__, "--worker", case, *extra]
        runs = [
            json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
            for _ in range(args.runs)
        ]
        figures = []
        for key in ("wall_s", "ffmpeg_rss_mib", "worker_rss_mib"):
            values = [r[key] for r in runs]
            figures.append(f"{key} {statistics.median(values):.1f} [{max(values):.1f}]")
        print(f"{case:16} " + ", ".join(figures))
        print(f"{'':16} {runs[-1]['finding']}")


if __name__ == "__main__":
    main()
