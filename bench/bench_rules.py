"""Rule evaluation cost: compile once, then evaluate 20 rules against a media with 10 renditions.

    python bench/bench_rules.py [--runs 5000]

Prints the compile time and the median / p95 / max wall time of one evaluation (including building the
Report and its findings). Not a test: figures only.
"""

from __future__ import annotations

import argparse
import statistics
import time

from playgate.ice.model import AudioStream, MediaFile, MediaInfo, MediaSnapshot, Rendition, VideoStream
from playgate.rules import compile_text

RULES = """
profiles:
  bench:
    rules:
      - {id: status, check: media.status, eq: Normal}
      - {id: type, check: media.type, in: [video, audio]}
      - {id: has-video, check: video_stream_count, ge: 1, when: {media.type: video}}
      - {id: codec, check: "video[*].codec_name", in: [h264, hevc], ignore_case: true}
      - {id: width, check: "video[*].width", between: [16, 8192]}
      - {id: height, check: "video[*].height", between: [16, 8192]}
      - {id: fps-max, check: "video[*].avg_fps", le: 60}
      - {id: fps-std, check: "video[*].avg_fps", within: "0.01 of [23.976, 24, 25, 29.97, 30, 50, 59.94, 60]"}
      - {id: channels, check: "audio[*].channels", between: [1, 16]}
      - {id: rate, check: "audio[*].sample_rate", in: [44100, 48000]}
      - {id: av, check: av_duration_diff_s, le: 1.0}
      - {id: playable, check: "rendition[*].play_url", exists: true, where: {status: Normal},
         quantifier: at_least 1, require: true}
      - {id: https, check: "rendition[*].play_url", starts_with: "https://"}
      - {id: duration, check: "rendition[*].duration_s", within: "1% of media.duration_s",
         where: {status: Normal}}
      - {id: r-fps, check: "rendition[*].fps", le: 60}
      - {id: hdr, check: "rendition[*].hdr_type", in: [HDR10, HLG, DolbyVision],
         where: {hdr_type: {exists: true}}}
      - {id: defs, check: definitions, contains: [SD, HD]}
      - {id: ladder, check: ladder_inversions, eq: []}
      - {id: top, check: max_rendition_height, ge: 1080, when: {rendition_count: {ge: 1}}}
      - {id: m3u8, check: "rendition[*].format", matches: "^(m3u8|mp4)$", quantifier: any}
"""

LADDER = [("LD", 360, 800), ("SD", 540, 1500), ("HD", 720, 3000), ("FHD", 1080, 6000), ("2K", 1440, 9000)]


def snapshot() -> MediaSnapshot:
    renditions = [
        Rendition(
            definition=d,
            format=fmt,
            stream_type="video",
            status="Normal",
            width=h * 16 // 9,
            height=h,
            bitrate_kbps=float(b),
            fps=25.0,
            duration_s=600.0,
            play_url=f"https://cdn.example.com/{d}.{fmt}",
        )
        for fmt in ("m3u8", "mp4")
        for d, h, b in LADDER
    ]
    file = MediaFile(
        file_name="master.mp4",
        file_type="source_file",
        duration_s=600.0,
        video_streams=[
            VideoStream(
                index=0, codec_name="h264", width=1920, height=1080, fps=25.0, avg_fps=25.0, duration_s=600.0
            )
        ],
        audio_streams=[
            AudioStream(index=1, codec_name="aac", channels=2, sample_rate=48000, duration_s=600.0)
        ],
    )
    return MediaSnapshot(
        media_id="bench",
        info=MediaInfo(media_type="video", status="Normal"),
        files=[file],
        renditions=renditions,
        sources=["GetMediaInfo", "GetPlayInfo"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    book = compile_text(RULES, "bench.yml")
    compile_ms = (time.perf_counter() - t0) * 1000
    snap = snapshot()
    rules = book.rule_count("bench")
    assert rules == 20 and len(snap.renditions) == 10
    for _ in range(200):  # warm up
        book.evaluate(snap, profile="bench")
    samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        report = book.evaluate(snap, profile="bench")
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"compile: {compile_ms:.1f} ms (20 rules, once)")
    print(
        f"evaluate: {rules} rules x {len(snap.renditions)} renditions, {args.runs} runs, "
        f"{len(report.findings)} findings, outcome {report.outcome}"
    )
    print(f"  median {statistics.median(samples):.1f} us   p95 {p95:.1f} us   max {samples[-1]:.1f} us")


if __name__ == "__main__":
    main()
