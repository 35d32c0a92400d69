"""Finding ffmpeg, and running it with a time limit.

``PLAYGATE_FFMPEG`` names the binary; otherwise FC's FFmpeg layer (``/opt/bin/ffmpeg``) when present,
else ``ffmpeg`` on PATH. ffprobe is taken from beside ffmpeg, else from PATH.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from playgate.errors import FinalError

FC_LAYER_FFMPEG = "/opt/bin/ffmpeg"
# ffmpeg's address space: 720p decoding maps ≈ 270 MiB (most of it shared libraries, 60 MiB resident);
# a hostile input (a playlist of millions of segments) fails to allocate instead of taking the
# function's memory (512 MB) from the gate.
MEMORY_LIMIT_BYTES = 448 * 1024 * 1024
_URL_QUERY = re.compile(r"((?:https?|tcp|tls|rtmp)://[^\s'\"?#]*)[?#][^\s'\"]*", re.IGNORECASE)


class FfmpegMissing(FinalError):
    """Decoding was asked for and no ffmpeg (or ffprobe) can be run."""

    reason = "ffmpeg_missing"


@dataclass(frozen=True)
class Tools:
    ffmpeg: str
    ffprobe: str
    version: str


@dataclass(frozen=True)
class Ran:
    """One finished (or stopped) ffmpeg/ffprobe run. ``stderr`` has every URL's query removed."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool


def strip_queries(text: str) -> str:
    """Every URL in ``text`` without its query or fragment: signed URLs must never reach a log."""
    return _URL_QUERY.sub(r"\1", text)


def _candidate(configured: str | None) -> str:
    if configured:
        return configured
    if os.access(FC_LAYER_FFMPEG, os.X_OK):
        return FC_LAYER_FFMPEG
    return shutil.which("ffmpeg") or "ffmpeg"


def _version(binary: str, what: str, origin: str) -> str:
    try:
        done = subprocess.run(
            [binary, "-version"], capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise FfmpegMissing(
            f"decoding is configured but {what} {binary!r} ({origin}) cannot be run: {exc}. Set "
            "PLAYGATE_FFMPEG to an ffmpeg binary, add Function Compute's FFmpeg layer (/opt/bin/ffmpeg), "
            "or turn decoding off (probe: manifest or none)",
            code="FfmpegMissing",
        ) from None
    if done.returncode != 0:
        raise FfmpegMissing(
            f"decoding is configured but {what} {binary!r} ({origin}) exits with {done.returncode} on "
            f"-version: {done.stderr.strip()[:200]}",
            code="FfmpegMissing",
        )
    return (done.stdout.splitlines() or [""])[0]


@functools.lru_cache(maxsize=4)
def find_tools(configured: str | None = None) -> Tools:
    """ffmpeg and ffprobe, checked to run. Raises FfmpegMissing with what was tried and how to fix it."""
    origin = "PLAYGATE_FFMPEG" if configured else "the default: /opt/bin/ffmpeg, else ffmpeg on PATH"
    ffmpeg = _candidate(configured)
    version = _version(ffmpeg, "ffmpeg", origin)
    sibling = Path(ffmpeg).with_name("ffprobe")
    ffprobe = str(sibling) if os.access(sibling, os.X_OK) else (shutil.which("ffprobe") or "ffprobe")
    _version(ffprobe, "ffprobe", f"beside {ffmpeg} or on PATH")
    return Tools(ffmpeg, ffprobe, version)


def run(
    argv: list[str],
    timeout_s: float,
    env: dict[str, str] | None = None,
    memory_bytes: int = MEMORY_LIMIT_BYTES,
) -> Ran:
    """Run ``argv`` for at most ``timeout_s`` and ``memory_bytes`` of address space; on time-out the
    whole process group is killed."""
    import resource

    ceiling = functools.partial(resource.setrlimit, resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env if env is not None else child_env(),
        preexec_fn=ceiling,  # a C function: nothing in the forked child needs a lock another thread holds
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=max(timeout_s, 0.05))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(proc)
        out, err = proc.communicate()
    return Ran(
        proc.returncode,
        out.decode("utf-8", "replace"),
        strip_queries(err.decode("utf-8", "replace")),
        timed_out,
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def child_env(proxy: str | None = None) -> dict[str, str]:
    """A small environment: no credential variables, no ``no_proxy``; ``http_proxy`` is the guard (for the
    requests that do not get the ``-http_proxy`` option)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    if proxy:
        env["http_proxy"] = proxy
    return env
