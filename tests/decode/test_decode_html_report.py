"""Issue 20: ``probe --decode --format html`` as people see it — the decode findings on a timeline, a frame
at the start of each interval (taken from a local file, or through the guard from a URL), opened offline in
headless Chromium: no request, no console error, the frames really are pictures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from browser import DESKTOP, PHONE, visit
from playgate.testing.stream_server import StreamServer

SRC = Path(__file__).resolve().parents[2] / "src"


def probe_html(*argv: str, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(SRC), **env}
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", "probe", *argv, "--format", "html", "--out", str(out)],
        capture_output=True, text=True, timeout=180, env=environ,
    )  # fmt: skip


def frames_shown(chromium, page: Path, viewport: dict[str, int]) -> list[dict]:
    with visit(chromium, page, viewport) as seen:
        text = seen.page.inner_text("main")
        assert "video-black" in text and "fail" in text
        timeline = seen.page.evaluate(
            "[...document.querySelectorAll('svg[role=img]')].map(s => s.getAttribute('aria-label'))"
        )
        assert any(label.startswith("Timeline of ") for label in timeline), timeline
        images = seen.page.evaluate(
            "[...document.images].map(i => ({alt: i.alt, w: i.naturalWidth, src: i.src.slice(0, 23)}))"
        )
        overflow = seen.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert seen.problems == [] and seen.requests == []
    assert overflow <= 0
    return images


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_local_files_black_start_is_on_the_timeline_with_its_frame(chromium, media, tmp_path, viewport):
    page = tmp_path / "probe.html"
    done = probe_html(str(media["black_start"]), "--decode", "--start", "0", "--seconds", "5", out=page)
    assert done.returncode == 1, done.stderr
    images = frames_shown(chromium, page, viewport)
    assert [i["alt"] for i in images] == ["video-black at 0 s"]
    assert images[0]["w"] == 240 and images[0]["src"] == "data:image/jpeg;base64,"


def test_a_urls_frame_is_taken_through_the_guard(chromium, media, tmp_path):
    with StreamServer(media["black_start"].parent) as cdn:
        url = cdn.url(f"/{media['black_start'].name}")
        page = tmp_path / "probe.html"
        done = probe_html(url, "--decode", "--seconds", "5", out=page, PLAYGATE_PROBE_ALLOW_HOSTS="127.0.0.1")
        assert done.returncode == 1, done.stderr
        fetched = [path for _method, path in cdn.requests]
    images = frames_shown(chromium, page, DESKTOP)
    assert [i["alt"] for i in images] == ["video-black at 0 s"] and images[0]["w"] == 240
    assert all(path.startswith(f"/{media['black_start'].name}") for path in fetched)


def test_without_the_guards_permission_no_frame_is_taken_and_the_page_still_says_why(media, tmp_path):
    with StreamServer(media["black_start"].parent) as cdn:  # 127.0.0.1 is not allowed: nothing is fetched
        page = tmp_path / "probe.html"
        done = probe_html(cdn.url(f"/{media['black_start'].name}"), "--decode", "--seconds", "5", out=page)
        assert cdn.requests == []
    assert done.returncode == 1, done.stderr
    html = page.read_text()
    assert "<img" not in html and "refused" in html
