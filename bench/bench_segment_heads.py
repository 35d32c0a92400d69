"""CPU of reading the start of a segment (probe/segment.py), per segment, for the segment checks.

    python bench/bench_segment_heads.py [--runs 5]

ffmpeg makes 6 s of 1280x720 at 25 fps (x264, 3 Mb/s, AAC) as 2 s HLS segments, MPEG-TS and fMP4;
each segment's first 32 KiB (what the probe reads) is parsed, a few hundred times. Prints the median
over ``--runs`` of the time per segment, and that time for the default budget of 30 segments on each of
3 rungs (bench/bench_probe.py's ladder, whose segments are zero bytes and so are not parsed there).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

SOURCE = ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=6",
          "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6"]  # fmt: skip
ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-b:v", "3M", "-g", "50", "-sc_threshold", "0",
          "-c:a", "aac", "-b:a", "128k",
          "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"]  # fmt: skip


def build(folder: Path) -> dict[str, tuple[list[bytes], bytes | None]]:
    from playgate.probe.inside import HEAD_BYTES

    made = {}
    for kind, extra in (("ts", []), ("fmp4", ["-hls_segment_type", "fmp4"])):
        out = folder / kind
        out.mkdir()
        argv = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *SOURCE, *ENCODE, *extra, "index.m3u8"]
        subprocess.run(argv, cwd=out, check=True)
        heads = [
            p.read_bytes()[:HEAD_BYTES]
            for p in sorted(out.glob("index*.ts")) + sorted(out.glob("index*.m4s"))
        ]
        init = next(iter(out.glob("init*.mp4")), None)
        made[kind] = (heads, init.read_bytes()[:HEAD_BYTES] if init else None)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playgate.probe.segment import read_head, read_init

    with tempfile.TemporaryDirectory() as folder:
        made = build(Path(folder))
    for kind, (heads, init_bytes) in made.items():
        init = read_init(init_bytes) if init_bytes else None
        assert all(read_head(h, init).switch_point for h in heads), f"{kind}: a segment did not read as IDR"
        per_segment = []
        for _ in range(args.runs):
            start, rounds = time.process_time(), 100
            for _ in range(rounds):
                for head in heads:
                    read_head(head, init)
            per_segment.append((time.process_time() - start) / (rounds * len(heads)))
        median = statistics.median(per_segment)
        low, high = min(per_segment) * 1000, max(per_segment) * 1000
        print(
            f"{kind}: {median * 1000:.3f} ms CPU per segment (runs {low:.3f}–{high:.3f}); "
            f"90 segments (30 on each of 3 rungs): {median * 90 * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
