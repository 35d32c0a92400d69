"""Real media for the decode tests, made by ffmpeg once per test session, and a local HTTP server.

Every file is 320x240, 25 fps, H.264 + AAC, a few seconds long; each has exactly one fault.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SIZE, RATE = "320x240", 25
PICTURE = f"testsrc2=s={SIZE}:r={RATE}"
BLACK = f"color=black:s={SIZE}:r={RATE}"
STILL = f"smptebars=s={SIZE}:r={RATE}"
TONE = "sine=frequency=440:sample_rate=48000"


def _ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    assert found, "ffmpeg is not on PATH: install Debian's ffmpeg (.ci/run does)"
    return found


def _make(out: Path, inputs: list[str], filters: str, maps: list[str], seconds: float) -> Path:
    argv = [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y"]
    for source in inputs:
        argv += ["-f", "lavfi", "-i", source]
    argv += ["-filter_complex", filters] if filters else []
    for m in maps:
        argv += ["-map", m]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"]
    argv += ["-c:a", "aac", "-ac", "2", "-t", str(seconds), "-movflags", "+faststart", str(out)]
    subprocess.run(argv, check=True, capture_output=True, timeout=120)
    return out


def _concat(parts: list[tuple[str, float]]) -> tuple[list[str], str]:
    inputs = [f"{src}:d={d}" for src, d in parts]
    chain = "".join(f"[{i}:v]" for i in range(len(parts)))
    return inputs, f"{chain}concat=n={len(parts)}:v=1:a=0[v]"


def build_media(folder: Path) -> dict[str, Path]:
    """clean, black_start, black_middle, still, silent_track, quiet, truncated, an HLS copy of clean,
    cover_art (clean's sound with a black picture attached as cover art) and nine_tracks (9 audio)."""
    folder.mkdir(parents=True, exist_ok=True)
    media: dict[str, Path] = {}
    tone = f"{TONE}:duration=9"
    media["clean"] = _make(folder / "clean.mp4", [f"{PICTURE}:d=8", tone], "", ["0:v", "1:a"], 8)
    inputs, graph = _concat([(BLACK, 3), (PICTURE, 5)])
    media["black_start"] = _make(folder / "black_start.mp4", [*inputs, tone], graph, ["[v]", "2:a"], 8)
    inputs, graph = _concat([(PICTURE, 3), (BLACK, 3), (PICTURE, 3)])
    media["black_middle"] = _make(folder / "black_middle.mp4", [*inputs, tone], graph, ["[v]", "3:a"], 9)
    still = f"{STILL}:d=8"
    media["still"] = _make(folder / "still.mp4", [still, tone], "", ["0:v", "1:a"], 8)
    silent = "anullsrc=r=48000:cl=stereo"
    media["silent_track"] = _make(
        folder / "silent_track.mp4", [f"{PICTURE}:d=8", tone, silent], "", ["0:v", "1:a", "2:a"], 8
    )
    media["quiet"] = _make(
        folder / "quiet.mp4", [f"{PICTURE}:d=8", tone], "[1:a]volume=0.05[a]", ["0:v", "[a]"], 8
    )
    data = media["clean"].read_bytes()
    media["truncated"] = folder / "truncated.mp4"
    media["truncated"].write_bytes(data[: len(data) * 55 // 100])
    hls = folder / "hls"
    hls.mkdir(exist_ok=True)
    subprocess.run(
        [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(media["clean"]), "-c", "copy",
         "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", str(hls / "index.m3u8")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    media["hls"] = hls / "index.m3u8"
    media["cover_art"] = _with_cover(folder, media["clean"])
    tracks = [f"sine=frequency={300 + 50 * i}:sample_rate=48000:duration=2" for i in range(9)]
    media["nine_tracks"] = _make(
        folder / "nine_tracks.mp4",
        [f"{PICTURE}:d=2", *tracks],
        "",
        ["0:v", *(f"{i}:a" for i in range(1, 10))],
        2,
    )
    return media


def black_clip(folder: Path, black_s: float, before_s: float = 0, after_s: float = 0) -> Path:
    """Picture for ``before_s``, black for ``black_s``, picture for ``after_s``; a tone throughout."""
    out = folder / f"black-{before_s:g}-{black_s:g}-{after_s:g}.mp4"
    seconds = before_s + black_s + after_s
    parts = [(src, d) for src, d in ((PICTURE, before_s), (BLACK, black_s), (PICTURE, after_s)) if d]
    inputs, graph = _concat(parts)
    tone = f"{TONE}:duration={seconds}"
    return _make(out, [*inputs, tone], graph, ["[v]", f"{len(parts)}:a"], seconds)


def audio_offset_clip(
    folder: Path, video_s: float, audio_from_s: float, audio_to_s: float, still_s: float = 0
) -> Path:
    """``video_s`` of picture at 25 fps from 0 s (its last ``still_s`` a still one), and a tone from
    ``audio_from_s`` to ``audio_to_s``."""
    out = folder / f"audio-{audio_from_s:g}-{audio_to_s:g}-still-{still_s:g}.mp4"
    parts = [(src, d) for src, d in ((PICTURE, video_s - still_s), (STILL, still_s)) if d]
    inputs, graph = _concat(parts)
    tone = len(parts)
    delay = f"[{tone}:a]adelay={round(audio_from_s * 1000)}:all=1[a]"
    seconds = max(video_s, audio_to_s)
    audio = f"{TONE}:duration={audio_to_s - audio_from_s}"
    return _make(out, [*inputs, audio], f"{graph};{delay}", ["[v]", "[a]"], seconds)


def _with_cover(folder: Path, clean: Path) -> Path:
    """The clean file's sound with a still picture attached as cover art (a video stream, not video)."""
    cover, out = folder / "cover.png", folder / "cover_art.m4a"
    run = {"check": True, "capture_output": True, "timeout": 60}
    base = [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run([*base, "-f", "lavfi", "-i", f"{BLACK}:d=1", "-frames:v", "1", str(cover)], **run)
    subprocess.run(
        [*base, "-i", str(clean), "-i", str(cover), "-map", "0:a", "-map", "1:v", "-c:a", "copy",
         "-c:v", "png", "-disposition:v", "attached_pic", str(out)],
        **run,
    )  # fmt: skip
    return out


class SignedMediaServer:
    """Serves a folder on 127.0.0.1 like a CDN with URL authentication: every request must carry
    ``auth_key=<key>`` (403 otherwise); ranges are honoured; playlists get the key appended to each
    segment line (CDN m3u8 rewriting); ``/stall/...`` never answers. Requests are recorded."""

    def __init__(self, root: Path, key: str) -> None:
        self.root, self.key = root, key
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, name: str, key: str | None = None) -> str:
        return f"{self.base}/{name}?auth_key={key or self.key}"

    def __enter__(self) -> SignedMediaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        if parts.path.startswith("/stall/"):
            time.sleep(30)
            return
        if parse_qs(parts.query).get("auth_key") != [self.key]:
            return self._send(h, 403, b"forbidden")
        path = (self.root / parts.path.lstrip("/")).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            return self._send(h, 404, b"not found")
        body = path.read_bytes()
        if path.suffix == ".m3u8":
            lines = [
                f"{line}?auth_key={self.key}" if line and not line.startswith("#") else line
                for line in body.decode().splitlines()
            ]
            body = ("\n".join(lines) + "\n").encode()
        self._send_range(h, body)

    def _send_range(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        wanted = h.headers.get("Range", "")
        if not wanted.startswith("bytes="):
            return self._send(h, 200, body)
        first, _, last = wanted[6:].partition("-")
        start = int(first or 0)
        end = min(int(last) if last else len(body) - 1, len(body) - 1)
        h.send_response(206)
        h.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
        h.send_header("Accept-Ranges", "bytes")
        self._body(h, body[start : end + 1])

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Accept-Ranges", "bytes")
        self._body(h, body)

    @staticmethod
    def _body(h: BaseHTTPRequestHandler, body: bytes) -> None:
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
