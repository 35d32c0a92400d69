"""The checks that look inside the segments players fetch: each starts on a picture a player can switch
on (IDR / IRAP), and what a variant declares (CODECS, RESOLUTION, FRAME-RATE; a DASH Representation's
codecs, width, height, frameRate) is what its segments contain.

Only the first ``HEAD_BYTES`` of each probed segment are read (the same ranged GET that sizes it), and
an init section's first ``HEAD_BYTES``. What cannot be read there is not judged.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass

from playgate.probe.context import ProbeContext
from playgate.probe.fetch import public_url
from playgate.probe.nal import AVC, HEVC, VideoFormat
from playgate.probe.segment import Init, SegmentHead, read_head, read_init

KEYFRAME = "segment-starts-with-keyframe"
MATCHES = "variant-matches-segments"
HEAD_BYTES = 32 * 1024
_FAMILY = {"avc1": AVC, "avc3": AVC, "hvc1": HEVC, "hev1": HEVC}
_OTHER_VIDEO = re.compile(r"^(dvh1|dvhe|dva1|dvav|vp0[89]|av01|mp4v)\b", re.I)
_AUDIO = re.compile(r"^(mp4a|ac-3|ec-3|ac-4|opus|flac|alac)\b", re.I)
_HE_AAC = {"mp4a.40.5", "mp4a.40.29"}  # signalled implicitly: the stream's header says AAC-LC
_MP3 = {"mp4a.6b", "mp4a.69", "mp4a.40.34"}


@dataclass(frozen=True)
class Declared:
    """What a variant (or a DASH Representation) says its segments contain."""

    label: str  # how messages name it
    codecs: str | None
    resolution: tuple[int, int] | None
    frame_rate: float | None


def wanted(ctx: ProbeContext) -> bool:
    return ctx.results.enabled(KEYFRAME) or ctx.results.enabled(MATCHES)


def fetch_init(ctx: ProbeContext, url: str, check: str = "url-reachable") -> Init | None:
    """An init section's first bytes, read (None when it is not reachable)."""
    response = ctx.fetch(
        url, byte_range=(0, HEAD_BYTES - 1), max_bytes=HEAD_BYTES, truncate=True, check=check
    )
    return None if response is None else read_init(response.body)


def read(body: bytes, init: Init | None) -> SegmentHead | None:
    """What a segment's first bytes show; None when they show nothing (not media the probe reads)."""
    try:
        head = read_head(body[:HEAD_BYTES], init)
    except (IndexError, ValueError, OverflowError, struct.error):  # bytes the readers did not foresee
        return None
    return head if head.video or head.audio or head.switch_point is not None else None


def judge(ctx: ProbeContext, declared: Declared | None, heads: list[tuple[str, SegmentHead]]) -> None:
    """Both checks over one variant's probed segments (URL, head), in playlist order."""
    _judge_keyframes(ctx, declared, heads)
    if declared is not None:
        _judge_declared(ctx, declared, heads)


def _judge_keyframes(
    ctx: ProbeContext, declared: Declared | None, heads: list[tuple[str, SegmentHead]]
) -> None:
    video = [(url, head) for url, head in heads if head.switch_point is not None]
    if not video:
        return
    ctx.results.ran(KEYFRAME, ctx.subject)
    label = f"{declared.label}: " if declared else ""
    for url, head in video:
        if not head.switch_point:
            where = public_url(url)
            ctx.results.problem(
                KEYFRAME,
                ctx.subject,
                actual={"segment": where, "first_picture": head.picture},
                expected="the first picture an IDR (H.264) or IRAP (HEVC) picture",
                message=(
                    f"{label}the segment {where} starts with a {head.picture} picture: a player switching "
                    "to it cannot decode until the next keyframe"
                ),
            )


def _judge_declared(ctx: ProbeContext, declared: Declared, heads: list[tuple[str, SegmentHead]]) -> None:
    video = next(((url, h) for url, h in heads if h.video is not None), None)
    audio = next(((url, h) for url, h in heads if h.audio is not None), None)
    fps = next(((url, h) for url, h in heads if h.fps), None)
    if not (video or audio):
        return
    ctx.results.ran(MATCHES, ctx.subject)
    if declared.codecs is not None:
        entries = [c.strip() for c in declared.codecs.split(",") if c.strip()]
        if video is not None:
            text, part = _video_codec_problem(entries, video[1])
            _problem(ctx, declared, video[0], "CODECS", text, part)
        if audio is not None:
            _problem(ctx, declared, audio[0], "CODECS", _audio_codec_problem(entries, audio[1].audio or ""))
    if video is not None and video[1].video is not None and declared.resolution is not None:
        found = (video[1].video.width, video[1].video.height)
        if found != tuple(declared.resolution):
            width, height = declared.resolution
            text = f"RESOLUTION is {width}x{height}, the segments are {found[0]}x{found[1]}"
            _problem(ctx, declared, video[0], "RESOLUTION", text)
    if fps is not None and fps[1].fps and declared.frame_rate is not None:
        tolerance = float(ctx.results.param(MATCHES, "frame_rate_tolerance"))
        if abs(declared.frame_rate - fps[1].fps) > fps[1].fps * tolerance:
            text = (
                f"FRAME-RATE is {declared.frame_rate:g}, the segments run at {fps[1].fps:.3f} frames a second"
            )
            _problem(ctx, declared, fps[0], "FRAME-RATE", text)


def _problem(
    ctx: ProbeContext, declared: Declared, url: str, attribute: str, text: str | None, part: str | None = None
) -> None:
    if text is None:
        return
    where = public_url(url)
    ctx.results.problem(
        MATCHES,
        ctx.subject,
        actual={"variant": declared.label, "segment": where, "attribute": attribute, "problem": text},
        expected=f"{attribute} as the segments are",
        message=f"{declared.label}: {text} ({where})",
        part=part,
    )


def _video_codec_problem(entries: list[str], head: SegmentHead) -> tuple[str | None, str | None]:
    """(the problem, its part: "level-above" when only a higher level is declared), or (None, None)."""
    found = head.video
    if found is None:
        return None, None
    family = [e for e in entries if _FAMILY.get(e.split(".")[0].lower()) == found.codec]
    if not family:
        named = [e for e in entries if e.split(".")[0].lower() in _FAMILY or _OTHER_VIDEO.match(e)]
        what = f"names {', '.join(named)}" if named else "names no video codec"
        return f"CODECS {what}, the segments are {found.codec_string()}", None
    verdicts = {_compare(_parse_video(e), found) for e in family}
    if "same" in verdicts:
        return None, None
    text = f"CODECS says {family[0]}, the segments are {found.codec_string()} ({_describe(found)})"
    return text, "level-above" if verdicts == {"level-above"} else None


def _parse_video(entry: str) -> tuple[int, int | None, int] | None:
    """(profile, constraints or tier, level) of an avc1/hvc1 entry; None when it does not parse."""
    parts = entry.split(".")
    try:
        if _FAMILY[parts[0].lower()] == AVC:
            if len(parts) == 2 and len(parts[1]) == 6:
                value = int(parts[1], 16)
                return value >> 16, (value >> 8) & 0xFF, value & 0xFF
            return int(parts[1]), None, int(parts[2])  # the legacy avc1.77.30
        tier = parts[3][:1].upper()
        return int(parts[1].lstrip("ABCabc")), {"L": 0, "H": 1}[tier], int(parts[3][1:])
    except (IndexError, KeyError, ValueError):
        return None


def _compare(declared: tuple[int, int | None, int] | None, found: VideoFormat) -> str:
    """same; level-above (all but a level above the stream's: devices that could play it skip it);
    differs."""
    if declared is None:
        return "differs"
    profile, flags, level = declared
    if found.codec == AVC:  # a flag the stream does not set is a promise it breaks
        same_flags = flags is None or flags & ~found.constraints == 0
    else:
        same_flags = flags == found.constraints
    if profile != found.profile or not same_flags or level < found.level:
        return "differs"
    return "same" if level == found.level else "level-above"


def _describe(found: VideoFormat) -> str:
    if found.codec == AVC:
        names = {66: "Baseline", 77: "Main", 88: "Extended", 100: "High", 110: "High 10", 122: "High 4:2:2"}
        return f"H.264 {names.get(found.profile, f'profile {found.profile}')} level {found.level / 10:g}"
    names = {1: "Main", 2: "Main 10", 3: "Main Still Picture", 4: "Range extensions"}
    tier = "High" if found.constraints else "Main"
    profile = names.get(found.profile, f"profile {found.profile}")
    return f"HEVC {profile}, {tier} tier, level {found.level / 30:g}"


def _audio_codec_problem(entries: list[str], found: str) -> str | None:
    audio = [e.lower() for e in entries if _AUDIO.match(e)]
    if not audio:
        return f"CODECS names no audio codec, the segments carry {found}"
    found = found.lower()
    for entry in audio:
        entry = re.sub(r"\.0+(\d)", r".\1", entry)  # mp4a.40.02 is mp4a.40.2
        if entry == found or (found == "mp4a.40.2" and entry in _HE_AAC) or {entry, found} <= _MP3:
            return None
    return f"CODECS says {', '.join(audio)}, the segments carry {found}"


def frame_rate_of(value: float | None) -> float | None:
    return value if value is not None and value > 0 and math.isfinite(value) else None


def frame_rate(text: str | None) -> float | None:
    """A DASH frameRate ("25", "30000/1001") or an HLS FRAME-RATE, as a number."""
    if not text:
        return None
    try:
        number, _, denominator = text.partition("/")
        value = float(number) / (float(denominator) if denominator else 1.0)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 and math.isfinite(value) else None
