"""`playgate probe` against a hostile CDN: worst-case wall time and peak memory of the whole command.

    python bench/bench_probe_hostile.py [--case NAME|all] [-n 3] [--src DIR] [--kill-after 300]

Cases (served by playgate.testing's StreamServer on 127.0.0.1 in this process; the probe runs as the
CLI in a child process, whose peak RSS is read from wait4):

- ``variants``: a master of 30,000 ``#EXT-X-STREAM-INF:`` lines (570 KB) and no URI lines;
- ``segments``: a master of 64 variants, each a media playlist of 100,000 segments (2.1 MB, under the
  4 MiB cap); the sampled segments answer 1 kB; ``segments4``: the same with longer URIs (4.0 MB each);
- ``drip``: a master whose response headers come one byte every 0.5 s, for ever, with ``--time-limit 10``.

Prints, per case, each run's outcome, wall time and peak RSS, then the median. ``--src`` runs the CLI
from another source tree (e.g. an export of main's src/) to compare; ``--kill-after`` ends a run that
takes longer (reported as killed).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "variants": ("/variants/master.m3u8", 60.0),
    "segments": ("/segments/master.m3u8", 60.0),
    "segments4": ("/segments4/master.m3u8", 60.0),
    "drip": ("/drip/master.m3u8", 10.0),
}


def hostile_files() -> dict[str, bytes | int]:
    files: dict[str, bytes | int] = {}
    files["/variants/master.m3u8"] = b"#EXTM3U\n" + b"#EXT-X-STREAM-INF:\n" * 30_000
    for case, uri in (("segments", b"seg.ts"), ("segments4", b"seg.ts?p=" + b"x" * 19)):
        segments = (b"#EXTINF:1,\n" + uri + b"\n") * 100_000
        media = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n" + segments + b"#EXT-X-ENDLIST\n"
        assert len(media) <= 4 * 1024 * 1024, len(media)  # under the probe's cap: read whole
        master = [b"#EXTM3U"]
        for i in range(64):
            master += [b'#EXT-X-STREAM-INF:BANDWIDTH=8000,RESOLUTION=64x36,CODECS="avc1.4d401e"']
            master += [f"v{i}/index.m3u8".encode()]
            files[f"/{case}/v{i}/index.m3u8"] = media
            files[f"/{case}/v{i}/seg.ts"] = 1000
        files[f"/{case}/master.m3u8"] = b"\n".join(master) + b"\n"
    return files


def run_once(url: str, time_limit: float, src: str, kill_after: float, out: Path) -> tuple[str, float, int]:
    """(outcome, wall seconds, peak RSS in KiB) of one `playgate probe` child."""
    env = {**os.environ, "PLAYGATE_PROBE_ALLOW_HOSTS": "127.0.0.1", "PYTHONPATH": src}
    command = [sys.executable, "-m", "playgate.cli", "probe", url, "--time-limit", str(time_limit)]
    started = time.perf_counter()
    with out.open("w") as stdout:
        child = subprocess.Popen(
            [*command, "--format", "json"], stdout=stdout, stderr=subprocess.DEVNULL, env=env
        )
        deadline = started + kill_after
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                return f"killed after {kill_after:.0f} s", time.perf_counter() - started, usage.ru_maxrss
            time.sleep(0.05)  # polling a child process, not synchronising a test
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    try:
        outcome = json.loads(out.read_text())["outcome"]
    except ValueError:
        outcome = f"exit {child.returncode}, no report"
    return outcome, wall, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--case", choices=[*CASES, "all"], default="all")
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--src", default=str(Path(__file__).resolve().parents[1] / "src"))
    parser.add_argument("--kill-after", type=float, default=300.0)
    args = parser.parse_args()

    from playgate.testing.stream_server import StreamServer

    server = StreamServer()
    server.virtual.update(hostile_files())
    server.drip["/drip/master.m3u8"] = 0.5
    cases = list(CASES) if args.case == "all" else [args.case]
    print(f"playgate from {args.src}")
    with server, tempfile.TemporaryDirectory() as folder:
        for case in cases:
            path, time_limit = CASES[case]
            walls, peaks = [], []
            for i in range(args.n):
                outcome, wall, peak_kib = run_once(
                    server.url(path), time_limit, args.src, args.kill_after, Path(folder) / "report.json"
                )
                walls.append(wall)
                peaks.append(peak_kib / 1024)
                print(f"{case} run {i + 1}: {outcome}, wall {wall:.1f} s, peak RSS {peak_kib / 1024:.0f} MiB")
            print(
                f"{case}: median wall {statistics.median(walls):.1f} s ({min(walls):.1f}–{max(walls):.1f}), "
                f"median peak RSS {statistics.median(peaks):.0f} MiB ({min(peaks):.0f}–{max(peaks):.0f}); "
                f"--time-limit {time_limit:g}"
            )


if __name__ == "__main__":
    main()
