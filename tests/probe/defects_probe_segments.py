"""The corpus's defects inside segments (see defects_probe.py): each a clean ladder with one fault."""

from __future__ import annotations

from collections.abc import Callable

from defects_probe import RATE, SEGMENT_S, X265, Defect, dash, hls_ladder

KEYFRAME = frozenset({"segment-starts-with-keyframe"})
MATCHES = frozenset({"variant-matches-segments"})
LONG_GOP = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-g", str(RATE * 10)]
OPEN_GOP = [
    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main",
    "-x264-params", f"keyint={RATE * SEGMENT_S}:min-keyint={RATE * SEGMENT_S}:scenecut=0:open-gop=1",
]  # fmt: skip


HEVC_LONG_GOP = [*X265[:-1], f"keyint={RATE * 10}:min-keyint={RATE * 10}:scenecut=0:log-level=error"]


def _set(name: str, value: str, rung: int | None = 0) -> Callable[[dict[str, str]], dict[str, str]]:
    """A master change: one attribute of every variant (``rung`` None) or of one."""
    count = iter(range(100))

    def change(attributes: dict[str, str]) -> dict[str, str]:
        return {**attributes, name: value} if rung is None or next(count) == rung else attributes

    return change


DEFECTS: list[Defect] = [
    Defect(
        "ts-cut-mid-gop",
        "MPEG-TS segments of 2 s cut regardless of keyframes (x264 -g 250, hls_flags split_by_time): "
        "every segment but the first starts with a P or B picture",
        KEYFRAME,
        lambda folder: hls_ladder(
            folder, "ts-cut-mid-gop", encode=LONG_GOP, muxer=["-hls_flags", "split_by_time"]
        ),
    ),
    Defect(
        "fmp4-open-gop",
        "fMP4 segments cut at x264's open-GOP keyframes (open-gop=1): non-IDR I pictures with a "
        "recovery point, which the muxer marks as sync samples",
        KEYFRAME,
        lambda folder: hls_ladder(folder, "fmp4-open-gop", encode=OPEN_GOP, fmp4=True),
    ),
    Defect(
        "hevc-cut-mid-gop",
        "HEVC MPEG-TS segments of 2 s cut regardless of keyframes (x265 keyint=250, hls_flags "
        "split_by_time): every segment but the first starts with a trailing picture, not an IRAP one",
        KEYFRAME,
        lambda folder: hls_ladder(
            folder, "hevc-cut-mid-gop", encode=HEVC_LONG_GOP, muxer=["-hls_flags", "split_by_time"]
        ),
    ),
    Defect(
        "hevc-codecs-say-main10",
        "the master's CODECS says HEVC Main 10 (hvc1.2.4.L63.B0) for segments encoded in Main",
        MATCHES,
        lambda folder: hls_ladder(
            folder,
            "hevc-codecs-say-main10",
            encode=X265,
            master=_set("CODECS", '"hvc1.2.4.L63.B0,mp4a.40.2"'),
        ),
    ),
    Defect(
        "codecs-say-high",
        "the master's CODECS says H.264 High (avc1.64001e) for segments encoded in Main (avc1.4d401e)",
        MATCHES,
        lambda folder: hls_ladder(
            folder, "codecs-say-high", master=_set("CODECS", '"avc1.64001e,mp4a.40.2"')
        ),
    ),
    Defect(
        "codecs-say-ac3",
        "the master's CODECS names AC-3 audio (ac-3) for segments that carry AAC-LC",
        MATCHES,
        lambda folder: hls_ladder(
            folder, "codecs-say-ac3", fmp4=True, master=_set("CODECS", '"avc1.4d401e,ac-3"')
        ),
    ),
    Defect(
        "resolution-lies",
        "the master's RESOLUTION says 1280x720 for the 640x360 rung",
        MATCHES,
        lambda folder: hls_ladder(folder, "resolution-lies", master=_set("RESOLUTION", "1280x720")),
    ),
    Defect(
        "frame-rate-lies",
        "the master's FRAME-RATE says 30.000 for segments of 25 frames a second",
        MATCHES,
        lambda folder: hls_ladder(
            folder, "frame-rate-lies", fmp4=True, master=_set("FRAME-RATE", "30.000", None)
        ),
    ),
    Defect(
        "dash-codecs-say-high",
        "the MPD's video Representation says codecs avc1.640028 (High, level 4) for Main level 3 segments",
        MATCHES,
        lambda folder: dash(
            folder, "dash-codecs-say-high", mpd=lambda text: text.replace("avc1.4d401e", "avc1.640028")
        ),
    ),
]
