"""The probe's corpus of defects: clean ladders, and ladders that each carry exactly one defect.

A ladder is made by ffmpeg (two rungs, 640x360 and 320x180, 25 fps, x264 and AAC, 2 s segments that
each start on an IDR picture) and served as it is; its master playlist is written here, with what the
segments really weigh (BANDWIDTH: the peak segment's bit rate, AVERAGE-BANDWIDTH: the average) and
what ffmpeg says they contain (CODECS from ffmpeg's own master, RESOLUTION, FRAME-RATE). A defect is a
clean ladder with one change: other encoder or muxer settings, or one lie in its master.

Each area's defects live in a module of their own (``defects_probe_segments``…) and join the
cross-table through ``every_defect()``: every probe check on, each ladder must fail exactly the checks
meant for it, and the clean ones none.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

RUNGS = ((640, 360), (320, 180))
RATE = 25
SECONDS = 6
SEGMENT_S = 2
SOURCE = [
    "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={RATE}:duration={SECONDS}",
    "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
]  # fmt: skip
GOP = ["-g", str(RATE * SEGMENT_S), "-keyint_min", str(RATE * SEGMENT_S), "-sc_threshold", "0"]
X265 = [
    "-c:v", "libx265", "-preset", "ultrafast",
    "-x265-params", f"keyint={RATE * SEGMENT_S}:min-keyint={RATE * SEGMENT_S}:scenecut=0:log-level=error",
]  # x265 closes no GOP by default: its keyframes are CRA pictures  # fmt: skip
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", *GOP]
AAC = ["-c:a", "aac", "-b:a", "64k", "-ac", "2"]
_SEGMENT = re.compile(r"#EXTINF:([0-9.]+),\s*\n(\S+)")


@dataclass(frozen=True)
class Defect:
    """One ladder with one defect: what it is, how it was made (for the docs), the check ids that must
    fail (or warn) on it and nothing else, and how to build it (into a folder, returning the path of the
    master or MPD under that folder, as the stream server serves it)."""

    name: str
    how: str
    fails: frozenset[str]
    build: Callable[[Path], str]
    settings: dict[str, dict[str, object]] = field(default_factory=dict)  # check id → settings it needs


def ffmpeg(args: list[str], cwd: Path) -> None:
    found = shutil.which("ffmpeg")
    assert found, "ffmpeg is not on PATH: install Debian's ffmpeg (.ci/run does)"
    argv = [found, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"ffmpeg failed: {' '.join(args)}\n{done.stderr[-2000:]}"


def hls_ladder(
    folder: Path,
    name: str,
    *,
    encode: list[str] | None = None,
    muxer: list[str] | None = None,
    fmp4: bool = False,
    master: Callable[[dict[str, str]], dict[str, str]] | None = None,
) -> str:
    """An HLS ladder in ``folder/name``: ``encode`` replaces the x264 settings, ``muxer`` adds hls
    muxer options, ``master`` changes each variant's attributes (a dict, in EXT-X-STREAM-INF order)."""
    out = folder / name
    if not (out / "master.m3u8").exists():
        out.mkdir(parents=True, exist_ok=True)
        _encode_hls(out, encode if encode is not None else X264, muxer or [], fmp4)
        _write_master(out, master or (lambda attributes: attributes))
    return f"/{name}/master.m3u8"


def _encode_hls(out: Path, encode: list[str], muxer: list[str], fmp4: bool) -> None:
    split = f"[0:v]split={len(RUNGS)}" + "".join(f"[s{i}]" for i in range(len(RUNGS)))
    scale = ";".join(f"[s{i}]scale={w}:{h}[v{i}]" for i, (w, h) in enumerate(RUNGS))
    args = [*SOURCE, "-filter_complex", f"{split};{scale}"]
    for i in range(len(RUNGS)):
        args += ["-map", f"[v{i}]", "-map", "1:a"]
    args += [*encode, *AAC, "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod"]
    if fmp4:
        args += ["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"]
    extension = "m4s" if fmp4 else "ts"
    args += [*muxer, "-hls_segment_filename", f"v%v/seg_%03d.{extension}"]
    stream_map = " ".join(f"v:{i},a:{i}" for i in range(len(RUNGS)))
    args += ["-master_pl_name", "ffmpeg.m3u8", "-var_stream_map", stream_map, "v%v/index.m3u8"]
    ffmpeg(args, out)


def _write_master(out: Path, change: Callable[[dict[str, str]], dict[str, str]]) -> None:
    """The master, with BANDWIDTH and AVERAGE-BANDWIDTH measured from the files and CODECS from
    ffmpeg's own master (ffmpeg derives it from the encoder's parameter sets; ffprobe's profile and
    level for HEVC, where ffmpeg writes none)."""
    codecs = re.findall(r'CODECS="([^"]+)"', (out / "ffmpeg.m3u8").read_text())
    codecs = codecs or [_hevc_codecs(out / f"v{i}") for i in range(len(RUNGS))]
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for i, (width, height) in enumerate(RUNGS):
        peak, average = _rates(out / f"v{i}")
        attributes = {
            "BANDWIDTH": str(math.ceil(peak)),
            "AVERAGE-BANDWIDTH": str(math.ceil(average)),
            "RESOLUTION": f"{width}x{height}",
            "FRAME-RATE": f"{RATE:.3f}",
            "CODECS": f'"{codecs[i]}"',
        }
        attributes = change(attributes)
        lines += [
            "#EXT-X-STREAM-INF:" + ",".join(f"{k}={v}" for k, v in attributes.items()),
            f"v{i}/index.m3u8",
        ]
    (out / "master.m3u8").write_text("\n".join(lines) + "\n")


def _hevc_codecs(rung: Path) -> str:
    """hvc1.<profile>.6.L<level>.B0 (Main or Main 10, compatible with both; progressive, frame only)."""
    first = sorted(rung.glob("seg_*"))[0]
    argv = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=profile,level"]
    done = subprocess.run([*argv, "-of", "csv=p=0", str(first)], capture_output=True, text=True, check=True)
    profile, level = done.stdout.split()[0].split(",")
    return f"hvc1.{ {'Main': 1, 'Main 10': 2}[profile] }.6.L{level}.B0,mp4a.40.2"


def _rates(rung: Path) -> tuple[float, float]:
    """(peak, average) bit rate of a media playlist's segments (each segment of at least half the
    target duration alone: RFC 8216's peak over 0.5–1.5 × the target, for segments of the target)."""
    text = (rung / "index.m3u8").read_text()
    segments = [(float(d), (rung / uri).stat().st_size) for d, uri in _SEGMENT.findall(text)]
    peak = max(size * 8 / d for d, size in segments if d >= SEGMENT_S / 2)
    average = sum(size for _, size in segments) * 8 / sum(d for d, _ in segments)
    return peak, average


def dash(
    folder: Path, name: str, *, encode: list[str] | None = None, mpd: Callable[[str], str] | None = None
) -> str:
    """A DASH stream (one video, one audio Representation) in ``folder/name``; ``mpd`` changes the MPD."""
    out = folder / name
    if not (out / "manifest.mpd").exists():
        out.mkdir(parents=True, exist_ok=True)
        args = [*SOURCE, "-map", "0:v", "-map", "1:a", *(encode if encode is not None else X264), *AAC]
        args += ["-f", "dash", "-seg_duration", str(SEGMENT_S), "-use_timeline", "1", "-use_template", "1"]
        ffmpeg([*args, "ffmpeg.mpd"], out)
        text = (out / "ffmpeg.mpd").read_text()
        (out / "manifest.mpd").write_text(mpd(text) if mpd else text)
    return f"/{name}/manifest.mpd"


# The clean ladders: with every probe check on, each raises nothing.
REFERENCES: dict[str, Callable[[Path], str]] = {
    "clean-hls-ts": lambda folder: hls_ladder(folder, "clean-hls-ts"),
    "clean-hls-fmp4": lambda folder: hls_ladder(folder, "clean-hls-fmp4", fmp4=True),
    "clean-dash": lambda folder: dash(folder, "clean-dash"),
    "clean-hls-hevc": lambda folder: hls_ladder(folder, "clean-hls-hevc", encode=X265),
    "clean-hls-hevc-fmp4": lambda folder: hls_ladder(
        folder, "clean-hls-hevc-fmp4", encode=[*X265, "-tag:v", "hvc1"], fmp4=True
    ),
}


def _third_of(attributes: dict[str, str]) -> dict[str, str]:
    return {**attributes, "BANDWIDTH": str(int(attributes["BANDWIDTH"]) // 3)}


# Defects the checks before issue 21 catch, so the cross-table shows them too.
EARLIER: list[Defect] = [
    Defect(
        "bandwidth-too-low",
        "the master declares a third of each variant's measured peak bit rate as BANDWIDTH",
        frozenset({"hls-bandwidth-matches-measured"}),
        lambda folder: hls_ladder(folder, "bandwidth-too-low", master=_third_of),
    ),
]


def every_defect() -> list[Defect]:
    import defects_playlists
    import defects_probe_segments

    return [*EARLIER, *defects_probe_segments.DEFECTS, *defects_playlists.DEFECTS]
