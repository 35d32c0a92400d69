"""Frames for people: one small JPEG at the start of each black, frozen or silent interval, as a data URI,
for the HTML report. ffmpeg reads the target exactly as the decode did: a local file as a file, a URL only
through the guard, under the same time and memory limits (one thread each: under the memory ceiling a
thread pool's stacks do not fit)."""

from __future__ import annotations

import base64
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from playgate.decode.command import input_options
from playgate.decode.ffmpeg import Tools, child_env, run

if TYPE_CHECKING:
    from playgate.decode.engine import Target
    from playgate.decode.guard import GuardProxy

WIDTH = 240
MAX_FRAMES = 12  # a report shows the first ones; each costs an ffmpeg start
FRAME_TIMEOUT_S = 10.0
MAX_JPEG_BYTES = 256 * 1024


def grab_frames(
    target: Target,
    times: Iterable[float],
    tools: Tools,
    *,
    guard: GuardProxy | None,
    deadline: float | None = None,
) -> dict[float, str]:
    """``{time: data URI}`` for the times a frame could be taken (a time that fails is left out)."""
    if target.refusal or (target.remote and guard is None):
        return {}
    proxy = guard.url if target.remote and guard else None
    source = guard.local_form(target.source) if target.remote and guard else target.source
    frames: dict[float, str] = {}
    with tempfile.TemporaryDirectory(prefix="playgate-frames-") as folder:
        for n, at in enumerate(sorted(set(times))[:MAX_FRAMES]):
            left = FRAME_TIMEOUT_S if deadline is None else min(FRAME_TIMEOUT_S, deadline - time.monotonic())
            if left <= 0.5:
                break
            out = Path(folder) / f"{n}.jpg"
            argv = [
                tools.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-filter_threads", "1",
                *input_options(proxy), "-threads", "1", "-ss", f"{max(at, 0.0):.3f}", "-i", source,
                "-map", "0:V:0?", "-frames:v", "1", "-vf", f"scale={WIDTH}:-2", "-q:v", "6", "-y", str(out),
            ]  # fmt: skip
            ran = run(argv, left, env=child_env(proxy))
            if ran.returncode == 0 and out.is_file() and 0 < out.stat().st_size <= MAX_JPEG_BYTES:
                frames[at] = "data:image/jpeg;base64," + base64.b64encode(out.read_bytes()).decode("ascii")
    return frames
