"""What the two checks of HDR signalling and against-the-source cost, per 10 s window of 480p.

    python bench/bench_against_source.py [--runs 7]

Builds (once, cached in /tmp/playgate-bench-source) a 12 s 1080p source (x264 CRF 18, 'faster') and a
480p rendition of it (scaled, x264 1200 kb/s). Then, interleaved run by run so that both sides see the
same machine: the decode's ffmpeg run on the rendition with every default check, with and without
video-hdr-signalling (its one more video output); and the comparison run of video-matches-source,
the rendition against its source. Prints the CPU (user+sys of ffmpeg) as median [min–max].
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
from pathlib import Path

from playgate.decode.command import ffmpeg_argv, input_options
from playgate.decode.compare import compare_argv, read_scores
from playgate.decode.spec import DecodeSpec

CACHE = Path("/tmp/playgate-bench-source")
PICTURE = "testsrc2=s=1920x1080:r=25:d=12,noise=alls=6:allf=t"


def build() -> tuple[Path, Path]:
    CACHE.mkdir(exist_ok=True)
    source, rendition = CACHE / "source-1080p.mp4", CACHE / "rendition-480p.mp4"
    quiet = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    x264 = ["-c:v", "libx264", "-preset", "faster", "-pix_fmt", "yuv420p", "-g", "50"]
    if not source.exists():
        subprocess.run([*quiet, "-f", "lavfi", "-i", PICTURE, *x264, "-crf", "18", str(source)], check=True)
    if not rendition.exists():
        scaled = ["-vf", "scale=854:480", *x264, "-b:v", "1200k"]
        subprocess.run([*quiet, "-i", str(source), *scaled, str(rendition)], check=True)
    return source, rendition


def cpu(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    source, rendition = build()
    on = DecodeSpec().checks
    off = DecodeSpec.model_validate({"checks": {"video-hdr-signalling": {"enabled": False}}}).checks
    window = {"start_s": 0.0, "seconds": 10.0, "proxy": None}
    decode = {
        "without video-hdr-signalling": ffmpeg_argv("ffmpeg", str(rendition), checks=off, **window),
        "with video-hdr-signalling": ffmpeg_argv("ffmpeg", str(rendition), checks=on, **window),
    }
    compare = compare_argv(
        "ffmpeg", [*input_options(None), str(rendition)], [*input_options(None), str(source)],
        start_s=0, seconds=10, size=(854, 480),
    )  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "MALLOC_ARENA_MAX": "2"}
    times: dict[str, list[float]] = {name: [] for name in [*decode, "video-matches-source run"]}
    for n in range(args.runs):
        order = list(decode.items()) if n % 2 == 0 else list(reversed(decode.items()))
        for name, argv in order:
            times[name].append(cpu(argv)[0])
        spent, stderr = cpu(compare, env)
        times["video-matches-source run"].append(spent)
    scores = read_scores(stderr)
    print(f"480p rendition of a 1080p source, 10 s window, {args.runs} runs, CPU (user+sys of ffmpeg)")
    for name, values in times.items():
        low, high = min(values), max(values)
        print(f"  {name:32} {statistics.median(values):.3f} s [{low:.3f}–{high:.3f}]")
    average = statistics.fmean(s.psnr_db for s in scores)
    print(f"  (compared {len(scores)} pictures, PSNR {average:.1f} dB average)")


if __name__ == "__main__":
    main()
