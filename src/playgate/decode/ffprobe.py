"""ffprobe's description of a file or URL: the streams to decode, and the media model for local files.

``playgate rules check --file movie.mp4`` maps this description onto the same ``MediaSnapshot`` the
rules read for ICE media (via the ListMediaInfoJobs ``MediaInfoProperty`` shape, which names the same
fields), so a rule file can be tried on a real file before it is deployed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from playgate.decode.ffmpeg import Tools, run
from playgate.ice.model import MediaSnapshot, build_snapshot


class Unreadable(Exception):
    """ffprobe could not read the input; the message is ffprobe's own, without URL queries."""


@dataclass
class Probed:
    format: dict[str, Any] = field(default_factory=dict)
    video: list[dict[str, Any]] = field(default_factory=list)
    audio: list[dict[str, Any]] = field(default_factory=list)
    subtitle: list[dict[str, Any]] = field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        return _float(self.format.get("duration"))


def probe(
    tools: Tools, source: str, input_options: list[str], timeout_s: float, env: dict[str, str] | None = None
) -> Probed:
    argv = [tools.ffprobe, "-v", "error", "-show_format", "-show_streams", "-of", "json"]
    ran = run([*argv, *input_options, source], timeout_s, env=env)
    if ran.timed_out:
        raise Unreadable(f"ffprobe did not finish within {timeout_s:.3g} s")
    try:
        data = json.loads(ran.stdout or "{}")
    except ValueError:
        data = {}
    if ran.returncode != 0 or not isinstance(data, dict) or not data.get("streams"):
        reason = ran.stderr.strip().splitlines()[-1:] or [f"exit status {ran.returncode}, no stream"]
        raise Unreadable(reason[0][:300])
    streams = [s for s in data["streams"] if isinstance(s, dict)]
    fmt = {k: v for k, v in (data.get("format") or {}).items() if k != "filename"}  # a signed URL
    return Probed(
        format=fmt,
        video=[s for s in streams if s.get("codec_type") == "video" and not _is_cover(s)],
        audio=[s for s in streams if s.get("codec_type") == "audio"],
        subtitle=[s for s in streams if s.get("codec_type") == "subtitle"],
    )


def _is_cover(stream: dict[str, Any]) -> bool:
    """An attached picture (cover art) is a video stream that is not video."""
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def fps(stream: dict[str, Any]) -> float | None:
    for key in ("avg_frame_rate", "r_frame_rate"):
        try:
            rate = Fraction(str(stream.get(key)))
        except (ValueError, ZeroDivisionError):
            continue
        if rate > 0:
            return round(float(rate), 3)
    return None


def _kbps(value: Any) -> float | None:
    bps = _float(value)
    return round(bps / 1000, 3) if bps is not None else None


def _common(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "Index": s.get("index"),
        "CodecName": s.get("codec_name"),
        "CodecLongName": s.get("codec_long_name"),
        "CodecTagString": s.get("codec_tag_string"),
        "CodecTag": s.get("codec_tag"),
        "Profile": s.get("profile"),
        "Timebase": s.get("time_base"),
        "StartTime": s.get("start_time"),
        "Duration": s.get("duration"),
        "Lang": (s.get("tags") or {}).get("language"),
    }


def _video(s: dict[str, Any]) -> dict[str, Any]:
    return {
        **_common(s),
        "Width": s.get("width"),
        "Height": s.get("height"),
        "HasBFrames": s.get("has_b_frames"),
        "Sar": s.get("sample_aspect_ratio"),
        "Dar": s.get("display_aspect_ratio"),
        "PixFmt": s.get("pix_fmt"),
        "Level": s.get("level"),
        "Fps": fps(s),
        "AvgFPS": fps({"avg_frame_rate": s.get("avg_frame_rate")}),
        "Bitrate": _kbps(s.get("bit_rate")),
        "NbFrames": s.get("nb_frames"),
    }


def _audio(s: dict[str, Any]) -> dict[str, Any]:
    return {
        **_common(s),
        "SampleFmt": s.get("sample_fmt"),
        "SampleRate": s.get("sample_rate"),
        "Channels": s.get("channels"),
        "ChannelLayout": s.get("channel_layout"),
        "Bitrate": _kbps(s.get("bit_rate")),
    }


def media_info_property(probed: Probed, file_name: str) -> dict[str, Any]:
    """ffprobe's description in ICE's MediaInfoProperty shape (bitrates in kbps, as ICE gives them)."""
    video = probed.video[0] if probed.video else {}
    basic = {
        "FileName": file_name,
        "FileType": "source_file",
        "FileSize": probed.format.get("size"),
        "FormatName": probed.format.get("format_name"),
        "Duration": probed.format.get("duration"),
        "Bitrate": _kbps(probed.format.get("bit_rate")),
        "Width": video.get("width"),
        "Height": video.get("height"),
    }
    clean = _without_none
    return {
        "FileBasicInfo": clean(basic),
        "VideoStreamInfoList": [clean(_video(s)) for s in probed.video],
        "AudioStreamInfoList": [clean(_audio(s)) for s in probed.audio],
        "SubtitleStreamInfoList": [clean(_common(s)) for s in probed.subtitle],
    }


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def snapshot_of_file(probed: Probed, file_name: str) -> MediaSnapshot:
    """The media model of a local file: one source file with its streams, no renditions."""
    snapshot = build_snapshot(jobs=[{"MediaInfoProperty": media_info_property(probed, file_name)}])
    media_type = "video" if probed.video else ("audio" if probed.audio else None)
    info = snapshot.info.model_copy(update={"media_type": media_type, "title": file_name})
    return snapshot.model_copy(update={"info": info, "sources": ["ffprobe"]})
