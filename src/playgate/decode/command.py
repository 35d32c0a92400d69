"""The ffmpeg command line for one window: seek, decode, run the QC filters, write nothing.

The command does not depend on the stream layout, so no ffprobe run has to come first: optional maps
(``0:V:0?``, ``0:a:N?``) take the first real video stream (not cover art) and up to
``MAX_AUDIO_TRACKS`` audio tracks, each with a filter chain of its own whose instances are named after
the track (``ametadata@a1``), so every log line says which track it is about.

Decoding and filtering run on one thread: on 2 cores the threads cost ≈ 0.1 s more CPU per 10 s of
480p than they save in wall time, and FC bills the instance, not the cores (bench/bench_decode.py).
Black is looked for in ``sample_fps`` pictures a second (a second video output of the same decoded
stream): blackdetect reads every pixel and was the dearest filter; intervals of 2 s or more are found
all the same, their edges to within one sample. A third video output is the video's own clock: the
first and the last frame's time, so the frame rate does not depend on how long the audio runs.
"""

from __future__ import annotations

from playgate.decode import colour
from playgate.decode.parse import CLOCK_OFFSET_S
from playgate.decode.picture import picture_outputs
from playgate.decode.spec import BlackCheck, DecodeChecks

# Local files may only be files. Remote inputs get plain http to the guard (``-http_proxy``) and the tcp
# it runs on, and crypto (HLS's AES-128). tcp could be named by a playlist too (ffmpeg opens a variant
# with any whitelisted protocol): the guard refuses every playlist naming anything but http(s), and
# demuxers that open URLs of their own (concat, imf, sdp…) are not allowed at all.
LOCAL_PROTOCOLS = "file,crypto"
REMOTE_PROTOCOLS = "http,tcp,crypto"
REMOTE_FORMATS = (
    "hls,dash,mov,mpegts,mpegps,flv,live_flv,matroska,avi,mp3,aac,ac3,eac3,wav,flac,ogg,webvtt,h264,hevc"
)
READ_TIMEOUT_US = 10_000_000
MAX_AUDIO_TRACKS = 8
VIDEO = "0:V:0?"  # the first video stream that is not an attached picture, if there is one


def input_options(proxy: str | None) -> list[str]:
    """A local file's options (``proxy`` None), else a remote input's, read through the guard at ``proxy``."""
    if proxy is None:
        return ["-protocol_whitelist", LOCAL_PROTOCOLS]
    return [
        "-protocol_whitelist", REMOTE_PROTOCOLS,
        "-format_whitelist", REMOTE_FORMATS,
        "-http_proxy", proxy,
        "-rw_timeout", str(READ_TIMEOUT_US),
        "-user_agent", "playgate-decode",
    ]  # fmt: skip


def _black(b: BlackCheck) -> str:
    """blackdetect on every frame or on ``sample_fps`` pictures a second.

    A white picture follows the last one, so black that runs to the end of the window ends where the
    last picture ends (blackdetect alone ends it where the last picture starts); the output's times
    are then moved back, so that the white picture does not lengthen ffmpeg's decoded time. A sampled
    interval can still come out up to one sample short, so it is reported from one sample below the
    threshold and judged in checks.py; a millisecond below, as blackdetect compares in its own time
    base.
    """
    look = b.look_s()
    if look:  # the white pad lasts long enough to be sampled
        head = f"tpad=stop_duration={2 * look:g}:color=white,fps={b.sample_fps:g}"
    else:
        head = "tpad=stop=1:color=white"
    floor = max(0.0, b.min_duration_s - look - 0.001)
    black = f"blackdetect=d={floor:g}:pic_th={b.picture_threshold:g}:pix_th={b.pixel_threshold:g}"
    return f"{head},{black},setpts=PTS-{CLOCK_OFFSET_S}/TB"


# The video's clock: blackdetect with every picture counted as black (pic_th=0), on a 2x2 corner so that
# it costs nothing, prints one interval from the first frame to the last when ffmpeg ends. Its times
# are moved 1000 s back, then put back, so that its line cannot be taken for the black check's.
CLOCK = f"crop=2:2:0:0,setpts=PTS-{CLOCK_OFFSET_S}/TB,blackdetect=d=0:pic_th=0,setpts=PTS+{CLOCK_OFFSET_S}/TB"


def _video_outputs(checks: DecodeChecks) -> list[str]:
    """The filter chain of each video output: the first is the one counted, the last the clock."""
    frozen = checks.video_frozen
    outputs = [
        f"freezedetect=n={frozen.noise_db:g}dB:d={frozen.min_duration_s:g}" if frozen.enabled else "null"
    ]
    if checks.video_black.enabled:
        outputs.append(_black(checks.video_black))
    if checks.video_hdr_signalling.enabled:
        outputs.append(colour.CHAIN)
    return [*outputs, *picture_outputs(checks), CLOCK]


def _audio_chain(track: int, checks: DecodeChecks) -> str:
    parts = []
    if checks.audio_silence.enabled:
        s = checks.audio_silence
        parts.append(f"silencedetect=n={s.noise_db:g}dB:d={s.min_duration_s:g}")
        parts.append(f"ametadata@a{track}=mode=print")
    if checks.audio_loudness.enabled:
        parts.append(f"ebur128@a{track}=framelog=verbose")
    return ",".join(parts) or "anull"


def ffmpeg_argv(
    ffmpeg: str, source: str, *, start_s: float, seconds: float, checks: DecodeChecks, proxy: str | None
) -> list[str]:
    streams: list[str] = []
    for i, chain in enumerate(_video_outputs(checks)):
        streams += ["-map", VIDEO, f"-filter:v:{i}", chain]
    for track in range(MAX_AUDIO_TRACKS):
        streams += ["-map", f"0:a:{track}?", f"-filter:a:{track}", _audio_chain(track, checks)]
    seek = ["-ss", f"{start_s:.3f}"] if start_s > 0 else []
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "repeat+level+info",
        "-progress", "pipe:1", "-filter_threads", "1",
        *input_options(proxy), "-threads", "1", *seek, "-t", f"{seconds:.3f}", "-i", source,
        *streams, "-f", "null", "-",
    ]  # fmt: skip
