"""The ffmpeg command line for one window: seek, decode, run the QC filters, write nothing."""

from __future__ import annotations

from playgate.decode.spec import DecodeChecks

# Local files may only be files; remote inputs only the network (an HLS playlist must not reach file:).
LOCAL_PROTOCOLS = "file,crypto"
REMOTE_PROTOCOLS = "http,https,tcp,tls,crypto,httpproxy"  # httpproxy: https through the guard
READ_TIMEOUT_US = 10_000_000


def input_options(remote: bool) -> list[str]:
    if not remote:
        return ["-protocol_whitelist", LOCAL_PROTOCOLS]
    return [
        "-protocol_whitelist", REMOTE_PROTOCOLS,
        "-rw_timeout", str(READ_TIMEOUT_US),
        "-user_agent", "playgate-decode",
    ]  # fmt: skip


def _video_chain(checks: DecodeChecks) -> str:
    parts = []
    if checks.video_black.enabled:
        b = checks.video_black
        parts.append(
            f"blackdetect=d={b.min_duration_s:g}:pic_th={b.picture_threshold:g}:pix_th={b.pixel_threshold:g}"
        )
    if checks.video_frozen.enabled:
        f = checks.video_frozen
        parts.append(f"freezedetect=n={f.noise_db:g}dB:d={f.min_duration_s:g}")
    return ",".join(parts) or "null"


def _audio_chain(track: int, checks: DecodeChecks) -> str:
    # Named instances (ametadata@a0, ebur128@a0) so each log line says which audio track it is about.
    parts = []
    if checks.audio_silence.enabled:
        s = checks.audio_silence
        parts.append(f"silencedetect=n={s.noise_db:g}dB:d={s.min_duration_s:g}")
        parts.append(f"ametadata@a{track}=mode=print")
    if checks.audio_loudness.enabled:
        parts.append(f"ebur128@a{track}=framelog=verbose")
    return ",".join(parts) or "anull"


def ffmpeg_argv(
    ffmpeg: str,
    source: str,
    *,
    start_s: float,
    seconds: float,
    has_video: bool,
    audio_tracks: int,
    checks: DecodeChecks,
    remote: bool,
) -> list[str]:
    graph = []
    maps: list[str] = []
    if has_video:
        graph.append(f"[0:v:0]{_video_chain(checks)}[v]")
        maps += ["-map", "[v]"]
    for track in range(audio_tracks):
        graph.append(f"[0:a:{track}]{_audio_chain(track, checks)}[a{track}]")
        maps += ["-map", f"[a{track}]"]
    seek = ["-ss", f"{start_s:.3f}"] if start_s > 0 else []
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "repeat+level+info",
        "-progress", "pipe:1",
        *input_options(remote), *seek, "-t", f"{seconds:.3f}", "-i", source,
        "-filter_complex", ";".join(graph), *maps, "-f", "null", "-",
    ]  # fmt: skip
