"""Issue 20: ``probe --format html`` as people see it — each rendition's measured bit rates against its
declared BANDWIDTH as a chart, opened offline in headless Chromium (no request, no console error)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from browser import PHONE, visit

SRC = Path(__file__).resolve().parents[2] / "src"


def test_each_variants_bit_rates_are_charted_against_its_bandwidth(chromium, stream_server, tmp_path):
    page = tmp_path / "probe.html"
    done = subprocess.run(
        [sys.executable, "-m", "playgate.cli", "probe", stream_server.url("/hls/master.m3u8"),
         "--format", "html", "--out", str(page)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "PYTHONPATH": str(SRC), "PLAYGATE_PROBE_ALLOW_HOSTS": "127.0.0.1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with visit(chromium, page, PHONE) as seen:
        chart = seen.page.evaluate(
            "[...document.querySelectorAll('svg[role=img]')].find(s => "
            "s.getAttribute('aria-label').startsWith('Measured peak'))?.textContent"
        )
        bars = seen.page.evaluate("[...document.querySelectorAll('svg rect title')].map(t => t.textContent)")
        overflow = seen.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert seen.problems == [] and seen.requests == [] and overflow <= 0
    variants = [line for line in stream_server.root.joinpath("hls/master.m3u8").read_text().splitlines()
                if line and not line.startswith("#")]  # fmt: skip
    assert chart is not None and all(v in chart for v in variants), chart
    assert sum(b.startswith("declared:") for b in bars) == len(variants)
    assert sum(b.startswith("average:") for b in bars) == len(variants)
