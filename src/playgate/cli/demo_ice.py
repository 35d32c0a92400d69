"""The demo's last part: the verdict takes effect in ICE (the emulator).

The demo's sinks include ``ice://block``, ``ice://tag`` and ``ice://marks``, so its broken media ends up
Blocked and tagged. Then a media ffmpeg makes here, black for its first 3 s, is served on 127.0.0.1 and
gated with ``probe: decode``: the black interval becomes a media mark. Both are shown from the emulator's
state, as ICE would show them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

ICE_SINKS = "ice://block,ice://tag,ice://marks"
BLACK_MEDIA = "media-black-start"
BLACK_S, CLIP_S = 3, 6


def with_ice(sink: str) -> str:
    return f"{sink},{ICE_SINKS}"


def gate_black_start(ice_url: str, emulator: Any, out: Path) -> str | None:
    """Make, serve and gate the black-start media; returns why it could not (no ffmpeg), else None."""
    from playgate.handler import Runtime, handle_payload
    from playgate.testing.local import local_settings
    from playgate.testing.media import FfmpegMissing, run_ffmpeg
    from playgate.testing.sample_events import callback
    from playgate.testing.stream_server import StreamServer

    with tempfile.TemporaryDirectory(prefix="playgate-demo-media-") as folder:
        video = (
            f"color=black:s=320x180:r=25:d={BLACK_S}[b];testsrc2=s=320x180:r=25:d={CLIP_S - BLACK_S}[t];"
            "[b][t]concat=n=2:v=1:a=0[v]"
        )
        try:
            run_ffmpeg(
                ["-filter_complex", video, "-map", "[v]", "-pix_fmt", "yuv420p", "black.mp4"], Path(folder)
            )
        except (FfmpegMissing, RuntimeError) as error:
            return f"the black-interval mark is not shown: {str(error).splitlines()[0]}"
        with StreamServer(folder) as cdn:
            emulator.add_media(BLACK_MEDIA, _media_info(), _play_info(cdn.url("/black.mp4"), Path(folder)))
            settings = local_settings(
                ice_url,
                out,
                function_name="qc-gate-demo",
                log_level="error",
                probe="decode",
                probe_allow_hosts="127.0.0.1",
                alert_sink=with_ice(f"jsonl://{out / 'decoded-alerts.jsonl'}"),
                playback_sink=with_ice(f"jsonl://{out / 'decoded-playback.jsonl'}"),
            )
            runtime = Runtime.build(settings)
            try:
                handle_payload(callback("TranscodeComplete", "job-black-start", BLACK_MEDIA), runtime=runtime)
            finally:
                runtime.close()
    return None


def _media_info() -> dict[str, Any]:
    basic = {"MediaId": BLACK_MEDIA, "Status": "Normal", "MediaType": "video", "Title": "black for 3 s"}
    return {"MediaInfo": {"MediaId": BLACK_MEDIA, "MediaBasicInfo": basic, "FileInfoList": []}}


def _play_info(url: str, folder: Path) -> dict[str, Any]:
    size = (folder / "black.mp4").stat().st_size
    rendition = {
        "Status": "Normal", "Width": 320, "Height": 180, "Fps": "25", "Duration": str(float(CLIP_S)),
        "Bitrate": str(max(1, size * 8 // 1000 // CLIP_S)), "Size": size, "Definition": "SD", "Format": "mp4",
        "StreamType": "video", "PlayURL": url, "Encrypt": 0,
    }  # fmt: skip
    base = {"MediaId": BLACK_MEDIA, "Status": "Normal", "MediaType": "video"}
    return {"MediaBase": base, "PlayInfoList": [rendition]}


def ice_lines(emulator: Any, skipped: str | None) -> list[str]:
    """What ICE now says of each media the sinks blocked or marked: its audit, its tags, its marks."""
    lines = ["", "In ICE (the emulator), written by the ice:// sinks (every media is tagged; these blocked):"]
    for media_id in emulator.media_ids:
        if emulator.audit(media_id) is None and not emulator.marks(media_id):
            continue
        audit = emulator.audit(media_id) or {}
        state = audit.get("Status", "not audited")
        reason = f" (Reason: {audit['Reason']})" if audit.get("Reason") else ""
        lines.append(f"  {media_id}: {state}{reason}; tags: {', '.join(emulator.tags(media_id)) or '-'}")
        for mark in emulator.marks(media_id):
            start, end = mark.get("MarkStartTime", 0.0), mark.get("MarkEndTime", 0.0)
            lines.append(f"    mark {start:g}–{end:g} s {mark.get('MarkTag')}: {mark.get('MarkContent')}")
    if skipped:
        lines.append(f"  ({skipped})")
    return lines
