"""The corpus of defects: a clean reference, and clips that each carry exactly one defect.

The reference looks and sounds like programme material, not like a test pattern: a camera pan over a
detailed, colourful picture with a little film grain (synthetic patterns drawn at low resolution read
as interlaced to idet), and speech-like pink noise at -23 LUFS in stereo. A defect is the reference
with one more filter on its picture or its sound, or other encoder settings; the areas' modules
(``defects_picture``, ``defects_sound``…) list theirs, and ``every_defect()`` gathers them for the
cross-table, where each clip must fail exactly the checks meant for it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SIZE = (640, 360)
RATE = 25
SECONDS = 6.0
# A zoomed-in edge of the Mandelbrot set: detail and smooth colour, no large black or flat areas.
SCENE = (
    "mandelbrot=s=1280x960:rate=1:start_x=-0.743643887037151:start_y=0.131825904205330"
    ":start_scale=0.005:end_scale=0.005:maxiter=400"
)
PAN = "gblur=sigma=1.2,crop={w}:{h}:x='320+200*sin(t/3)':y='300+150*t/8',noise=alls=4:allf=t"
# Syllable-like loudness changes over pink noise; the right channel 3 ms late, so the pair is stereo
# yet adds up in mono. -23.0 LUFS integrated, peaks near -8 dBFS.
PROGRAMME = (
    "anoisesrc=color=pink:seed=7:amplitude=0.5:sample_rate=48000,lowpass=f=6000,"
    "volume='0.35+0.3*sin(2*PI*t*2.3)*sin(2*PI*t*0.31)':eval=frame,"
    "pan=stereo|c0=c0|c1=c0,adelay=0|3,volume=1.75"
)
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-g", "50", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "128k"]


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    assert found, "ffmpeg is not on PATH: install Debian's ffmpeg (.ci/run does)"
    return found


def _scene(folder: Path) -> Path:
    still = folder / "scene.png"
    if not still.exists():
        argv = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", SCENE]
        subprocess.run([*argv, "-frames:v", "1", str(still)], check=True, capture_output=True, timeout=60)
    return still


def clip(
    folder: Path,
    name: str,
    *,
    video: str = "",
    audio: str = "",
    size: tuple[int, int] = SIZE,
    encode: list[str] | None = None,
    seconds: float = SECONDS,
    suffix: str = ".mp4",
    rate: int = RATE,
) -> Path:
    """The reference, ``seconds`` long, with ``video`` filters after its picture and ``audio`` after its
    sound (each a filter chain, '' for none), encoded with ``encode`` (the reference's x264 + AAC by
    default). ``rate``: pictures a second of the pan (the picture filters may change it). Made once per
    folder."""
    out = folder / f"{name}{suffix}"
    if out.exists():
        return out
    w, h = size
    picture = f"[0:v]{PAN.format(w=w, h=h)}" + (f",{video}" if video else "") + ",format=yuv420p[v]"
    sound = "[1:a]" + (audio or "anull") + "[a]"
    argv = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
            "-loop", "1", "-framerate", str(rate), "-i", str(_scene(folder)),
            "-f", "lavfi", "-i", PROGRAMME,
            "-filter_complex", f"{picture};{sound}", "-map", "[v]", "-map", "[a]",
            *(encode if encode is not None else [*X264, *AAC]), "-t", f"{seconds:g}", str(out)]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True, timeout=180)
    return out


def reference(folder: Path) -> Path:
    return clip(folder, "reference")


@dataclass(frozen=True)
class Defect:
    """One clip with one defect: what it is, how it was made (for the docs), and the rule ids that must
    fail on it and nothing else."""

    name: str
    how: str
    fails: frozenset[str]
    build: Callable[[Path], Path]
    settings: dict[str, dict[str, object]] = field(default_factory=dict)  # check id → settings it needs


def every_defect() -> list[Defect]:
    import defects_picture
    import defects_sound
    import defects_source

    return [*defects_picture.DEFECTS, *defects_sound.DEFECTS, *defects_source.DEFECTS]
