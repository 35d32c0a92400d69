"""The corpus's defects in playlists and manifests (see defects_probe.py): each a clean ladder with one
fault, made by ffmpeg where ffmpeg can make it (long segments, rungs cut at different GOPs), the master
written by hand where the fault is a lie in it."""

from __future__ import annotations

from pathlib import Path

from defects_probe import AAC, RATE, RUNGS, Defect, _write_master, ffmpeg, hls_ladder

# each rung its own GOP (2 s and 3 s): ffmpeg cuts each rung's segments on its own keyframes
UNEVEN_GOPS = [
    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-sc_threshold", "0",
    "-g:v:0", str(2 * RATE), "-keyint_min:v:0", str(2 * RATE),
    "-g:v:1", str(3 * RATE), "-keyint_min:v:1", str(3 * RATE),
]  # fmt: skip


def _source(seconds: int) -> list[str]:
    return [
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={RATE}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
    ]  # fmt: skip


def _ladder_args(seconds: int) -> list[str]:
    split = f"[0:v]split={len(RUNGS)}" + "".join(f"[s{i}]" for i in range(len(RUNGS)))
    scale = ";".join(f"[s{i}]scale={w}:{h}[v{i}]" for i, (w, h) in enumerate(RUNGS))
    args = [*_source(seconds), "-filter_complex", f"{split};{scale}"]
    for i in range(len(RUNGS)):
        args += ["-map", f"[v{i}]"]
    return args


def long_segments(folder: Path, name: str, segment_s: int) -> str:
    """A two-rung HLS ladder of two segments of ``segment_s`` each (a keyframe every ``segment_s``):
    ffmpeg's EXT-X-TARGETDURATION is ``segment_s``."""
    out = folder / name
    if not (out / "master.m3u8").exists():
        out.mkdir(parents=True, exist_ok=True)
        gop = ["-g", str(RATE * segment_s), "-keyint_min", str(RATE * segment_s), "-sc_threshold", "0"]
        args = [*_ladder_args(2 * segment_s), *["-map", "1:a"] * len(RUNGS)]
        args += ["-c:v", "libx264", "-preset", "ultrafast", *gop, *AAC]
        args += ["-f", "hls", "-hls_time", str(segment_s), "-hls_playlist_type", "vod"]
        args += ["-hls_segment_filename", "v%v/seg_%03d.ts", "-master_pl_name", "ffmpeg.m3u8"]
        stream_map = " ".join(f"v:{i},a:{i}" for i in range(len(RUNGS)))
        ffmpeg([*args, "-var_stream_map", stream_map, "v%v/index.m3u8"], out)
        _write_master(out, lambda attributes: attributes)
    return f"/{name}/master.m3u8"


def dash_ladder(folder: Path, name: str, encode: list[str]) -> str:
    """Both rungs as Representations of one video AdaptationSet (and an audio one), 2 s segments."""
    out = folder / name
    if not (out / "manifest.mpd").exists():
        out.mkdir(parents=True, exist_ok=True)
        args = [*_ladder_args(6), "-map", "1:a", *encode, *AAC, "-f", "dash", "-seg_duration", "2"]
        args += [
            "-use_timeline",
            "1",
            "-use_template",
            "1",
            "-adaptation_sets",
            "id=0,streams=v id=1,streams=a",
        ]
        ffmpeg([*args, "manifest.mpd"], out)
    return f"/{name}/manifest.mpd"


def _half_average(attributes: dict[str, str]) -> dict[str, str]:
    return {**attributes, "AVERAGE-BANDWIDTH": str(int(attributes["AVERAGE-BANDWIDTH"]) // 2)}


DEFECTS: list[Defect] = [
    Defect(
        "average-bandwidth-too-low",
        "the master declares half of each variant's measured average bit rate as AVERAGE-BANDWIDTH",
        frozenset({"hls-average-bandwidth-matches-measured"}),
        lambda folder: hls_ladder(folder, "average-bandwidth-too-low", master=_half_average),
    ),
    Defect(
        "target-duration-10s",
        "ffmpeg -hls_time 10 with a keyframe every 10 s: EXT-X-TARGETDURATION 10 (above the 6 s recommended)",
        frozenset({"hls-target-duration"}),
        lambda folder: long_segments(folder, "target-duration-10s", 10),
    ),
    Defect(
        "target-duration-12s",
        "ffmpeg -hls_time 12 with a keyframe every 12 s: EXT-X-TARGETDURATION 12 (above max_s 10)",
        frozenset({"hls-target-duration"}),
        lambda folder: long_segments(folder, "target-duration-12s", 12),
    ),
    Defect(
        "hls-rungs-misaligned",
        "ffmpeg -hls_time 2 over rungs encoded with different GOPs (2 s and 3 s): each rung is cut on its "
        "own keyframes, at 2, 4 s and at 3 s",
        frozenset({"hls-segments-aligned"}),
        lambda folder: hls_ladder(folder, "hls-rungs-misaligned", encode=UNEVEN_GOPS),
    ),
    Defect(
        "dash-representations-misaligned",
        "ffmpeg -f dash -seg_duration 2, two video Representations of one AdaptationSet encoded with "
        "different GOPs (2 s and 3 s): their SegmentTimelines differ",
        frozenset({"dash-segments-aligned"}),
        lambda folder: dash_ladder(folder, "dash-representations-misaligned", UNEVEN_GOPS),
    ),
]
