"""Real media made by ffmpeg for tests: an HLS ladder, a DASH stream, MP4 files with and without
faststart. Built once into a folder (a test session caches it); serve it with :class:`StreamServer`.

    library = build_media(tmp_path)          # needs ffmpeg on PATH (or PLAYGATE_FFMPEG / ffmpeg=…)
    library.path("hls/master.m3u8")

Layout (paths relative to the folder, as the stream server serves them):

- ``hls/master.m3u8`` → ``hls/v0/index.m3u8`` (320x180) and ``hls/v1/index.m3u8`` (160x90): fMP4
  segments of 2 s (``seg_000.m4s`` …, init ``init_N.mp4``), constant bit rate, so the BANDWIDTH
  ffmpeg declares matches what the segments weigh; VOD with EXT-X-ENDLIST.
- ``hls-audio/master.m3u8``: video and audio in separate playlists, the audio as an EXT-X-MEDIA
  rendition (AUDIO group) that both variants name; BANDWIDTH counts the audio.
- ``hls-single/index.m3u8``: one rung in a single file (``index.m4s``) addressed with EXT-X-BYTERANGE.
- ``dash/manifest.mpd`` with its init and media segments (SegmentTemplate with SegmentTimeline).
- ``mp4/faststart.mp4`` (moov before mdat), ``mp4/moov-at-end.mp4`` (ffmpeg's default layout) and
  ``mp4/clip.flv``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DURATION_S = 8
VIDEO = f"testsrc2=size=320x180:rate=25:duration={DURATION_S}"
AUDIO = f"sine=frequency=440:sample_rate=48000:duration={DURATION_S}"
RUNGS = ((320, 180, 300), (160, 90, 100))  # width, height, video kb/s


class FfmpegMissing(RuntimeError):
    pass


def ffmpeg_path(explicit: str | None = None) -> str:
    """ffmpeg to run: the argument, else PLAYGATE_FFMPEG, else ``ffmpeg`` on PATH."""
    name = explicit or os.environ.get("PLAYGATE_FFMPEG") or "ffmpeg"
    found = shutil.which(name)
    if found is None:
        raise FfmpegMissing(
            f"ffmpeg ({name}) is not on PATH; install Debian's package (apt-get install ffmpeg; .ci/run does)"
        )
    return found


def run_ffmpeg(args: list[str], cwd: Path, ffmpeg: str | None = None) -> None:
    """Run ffmpeg quietly in ``cwd``; its stderr is in the error when it fails."""
    command = [ffmpeg_path(ffmpeg), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")


@dataclass(frozen=True)
class MediaLibrary:
    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative


def build_media(root: str | Path, ffmpeg: str | None = None) -> MediaLibrary:
    root = Path(root)
    for build in (_hls, _hls_audio_group, _hls_single_file, _dash, _mp4):
        build(root, ffmpeg)
    return MediaLibrary(root)


def _sources() -> list[str]:
    return ["-f", "lavfi", "-i", VIDEO, "-f", "lavfi", "-i", AUDIO]


def _cbr(index: int, kbps: int) -> list[str]:
    rate = f"{kbps}k"
    return [f"-b:v:{index}", rate, f"-maxrate:v:{index}", rate, f"-bufsize:v:{index}", f"{kbps // 2}k"]


def _video_codec() -> list[str]:
    return ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]


def _hls(root: Path, ffmpeg: str | None) -> None:
    out = root / "hls"
    out.mkdir(parents=True, exist_ok=True)
    scale = ";".join(f"[s{i}]scale={w}:{h}[v{i}]" for i, (w, h, _) in enumerate(RUNGS))
    split = f"[0:v]split={len(RUNGS)}" + "".join(f"[s{i}]" for i in range(len(RUNGS)))
    args = [*_sources(), "-filter_complex", f"{split};{scale}"]
    for i in range(len(RUNGS)):
        args += ["-map", f"[v{i}]"]
    args += ["-map", "1:a"] * len(RUNGS)
    args += [*_video_codec(), "-x264-params", "nal-hrd=cbr"]
    for i, (_, _, kbps) in enumerate(RUNGS):
        args += _cbr(i, kbps)
    stream_map = " ".join(f"v:{i},a:{i}" for i in range(len(RUNGS)))
    args += ["-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"]
    args += ["-hls_segment_type", "fmp4", "-hls_segment_filename", "v%v/seg_%03d.m4s"]
    args += ["-master_pl_name", "master.m3u8", "-var_stream_map", stream_map, "v%v/index.m3u8"]
    run_ffmpeg(args, out, ffmpeg)


def _hls_audio_group(root: Path, ffmpeg: str | None) -> None:
    out = root / "hls-audio"
    out.mkdir(parents=True, exist_ok=True)
    args = [*_sources(), "-map", "0:v", "-map", "1:a", *_video_codec(), "-x264-params", "nal-hrd=cbr"]
    args += [*_cbr(0, 300), "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2"]
    args += [
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_segment_filename",
        "%v/seg_%03d.m4s",
    ]
    args += [
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        "a:0,agroup:aud,name:audio v:0,agroup:aud,name:video",
    ]
    run_ffmpeg([*args, "%v/index.m3u8"], out, ffmpeg)


def _hls_single_file(root: Path, ffmpeg: str | None) -> None:
    out = root / "hls-single"
    out.mkdir(parents=True, exist_ok=True)
    args = [*_sources(), "-map", "0:v", "-map", "1:a", *_video_codec(), "-x264-params", "nal-hrd=cbr"]
    args += [*_cbr(0, 300), "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2"]
    args += ["-hls_playlist_type", "vod", "-hls_segment_type", "fmp4", "-hls_flags", "single_file"]
    run_ffmpeg([*args, "index.m3u8"], out, ffmpeg)


def _dash(root: Path, ffmpeg: str | None) -> None:
    out = root / "dash"
    out.mkdir(parents=True, exist_ok=True)
    args = [*_sources(), "-map", "0:v", "-map", "1:a", *_video_codec(), "-b:v", "300k", "-c:a", "aac"]
    args += ["-b:a", "64k", "-f", "dash", "-seg_duration", "2", "-use_timeline", "1", "-use_template", "1"]
    args += ["manifest.mpd"]
    run_ffmpeg(args, out, ffmpeg)


def _mp4(root: Path, ffmpeg: str | None) -> None:
    out = root / "mp4"
    out.mkdir(parents=True, exist_ok=True)
    base = [*_sources(), "-map", "0:v", "-map", "1:a", *_video_codec(), "-b:v", "300k", "-c:a", "aac"]
    run_ffmpeg([*base, "-movflags", "+faststart", "faststart.mp4"], out, ffmpeg)
    run_ffmpeg([*base, "moov-at-end.mp4"], out, ffmpeg)
    run_ffmpeg(
        [*_sources(), "-map", "0:v", "-map", "1:a", *_video_codec(), "-c:a", "aac", "clip.flv"], out, ffmpeg
    )
