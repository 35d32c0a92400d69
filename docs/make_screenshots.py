"""Rerunnable: the screenshots in docs/operations.md, from a fresh demo run.

    python -m pip install -e ".[test]" && python docs/make_screenshots.py

Runs ``playgate demo`` in a temporary folder, writes ``status`` of its broken media and the ``report`` of
its run as HTML, ``probe --decode`` of a clip ffmpeg makes black for its first 3 s and ``rules check`` of
the sample responses, and photographs each page in headless Chromium (Debian's ``chromium``) at desktop
and phone widths into docs/img/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import DESKTOP, PHONE, browser, visit  # noqa: E402


def playgate(*args: str, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "playgate.cli", *args], cwd=cwd, env=env, check=False,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def black_start_clip(path: Path) -> None:
    """6 s at 640x360: black for 3 s, then a moving test pattern; a tone throughout."""
    graph = "[0:v][1:v]concat=n=2:v=1:a=0[v]"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=black:s=640x360:r=25:d=3",
         "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=3", "-f", "lavfi", "-i", "sine=f=440:d=6",
         "-filter_complex", graph, "-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip


def main() -> None:
    images = ROOT / "docs" / "img"
    images.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYGATE_")}
        env["PYTHONPATH"] = str(ROOT / "src")
        playgate("demo", cwd=work, env=env)
        env["PLAYGATE_STORE"] = "sqlite:///playgate-demo/store.sqlite3"
        playgate(
            "status", "media-broken-rendition", "--format", "html", "--out", "status.html", cwd=work, env=env
        )
        playgate("report", "--since", "3650d", "--format", "html", "--out", "report.html", cwd=work, env=env)
        black_start_clip(work / "black-start.mp4")
        playgate(
            "probe",
            "black-start.mp4",
            "--decode",
            "--format",
            "html",
            "--out",
            "probe.html",
            cwd=work,
            env=env,
        )
        playgate("samples", cwd=work, env=env)
        responses = [
            "--media",
            "playgate-samples/GetMediaInfo.json",
            "--play",
            "playgate-samples/GetPlayInfo.json",
        ]
        playgate("rules", "check", *responses, "--format", "html", "--out", "rules.html", cwd=work, env=env)
        with browser() as launched:
            for page in ("status", "report", "probe", "rules"):
                for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                    with visit(launched, work / f"{page}.html", viewport) as seen:
                        seen.page.screenshot(path=str(images / f"{page}-{name}.png"))
                        print(images / f"{page}-{name}.png")


if __name__ == "__main__":
    main()
