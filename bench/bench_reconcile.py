"""A reconciler sweep of many media-information jobs: ICE calls made, wall time, peak memory.

    python bench/bench_reconcile.py [--jobs 10000] [--media-share 0.1] [--max-qps 500] [--page-size 100]

Writes a catalog of ``--jobs`` jobs (a share of them on media assets, which also costs a GetPlayInfo)
and serves it with ``playgate emulator`` in another process, so the sweep's own peak RSS is what is
measured. The sweep runs in this process with a SQLite store and JSONL sinks in a temporary folder, then
a second sweep over the same window shows that nothing is published twice. Memory stays flat because
jobs are read a page at a time: compare the peak RSS of ``--jobs 1000`` and ``--jobs 10000``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playgate.handler import Runtime
from playgate.reconcile import sweep
from playgate.testing import sample_catalog_path
from playgate.testing.local import local_settings

START = datetime(2030, 1, 1, tzinfo=timezone.utc)


def write_catalog(folder: Path, jobs: int, media_share: float) -> None:
    for path in sample_catalog_path().glob("*.json"):
        if path.name != "jobs.json":
            shutil.copy(path, folder / path.name)
    template = json.loads((sample_catalog_path() / "jobs.json").read_text())["Jobs"][1]  # an OSS job
    every = max(1, round(1 / media_share)) if media_share > 0 else 0
    out = []
    for n in range(jobs):
        job = json.loads(json.dumps(template))
        created = START + timedelta(seconds=n)
        job.update(
            JobId=f"bench-{n:06d}",
            Status="Fail" if n % 50 == 7 else "Success",
            SubmitTime=created.isoformat().replace("+00:00", "Z"),
            FinishTime=(created + timedelta(seconds=20)).isoformat().replace("+00:00", "Z"),
        )
        if every and n % every == 0:
            job["Input"] = {"Type": "Media", "Media": "media-ladder-ok"}
        out.append(job)
    (folder / "jobs.json").write_text(json.dumps({"Jobs": out}))


def run_sweeps(url: str, folder: Path, args: argparse.Namespace) -> None:
    settings = local_settings(
        url, folder, log_level="error", reconcile_max_qps=args.max_qps, reconcile_parallelism=args.parallelism
    )
    runtime = Runtime.build(settings)
    end = START + timedelta(seconds=args.jobs + 60)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    first = sweep(runtime, start=START, end=end, page_size=args.page_size)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    second = sweep(runtime, start=START, end=end, page_size=args.page_size)
    elapsed_again = time.perf_counter() - started
    runtime.close()
    print(
        f"jobs {args.jobs} ({args.media_share:.0%} on media assets), page size {args.page_size}, "
        f"ceiling {args.max_qps:.0f} ICE calls/s, parallelism {args.parallelism}"
    )
    print(
        f"first sweep : {elapsed:.1f} s, {first.ice_calls} ICE calls, jobs seen {first.jobs_seen}, "
        f"published {first.published} {first.by_message}; CPU of this process {cpu:.1f} s, "
        f"{cpu / max(1, first.jobs_seen) * 1000:.2f} ms per job (vs bench/compare.py warm CPU per event)"
    )
    print(
        f"second sweep: {elapsed_again:.1f} s, {second.ice_calls} ICE calls, published {second.published}, "
        f"duplicates {second.duplicates}"
    )
    print(f"peak RSS of the sweeping process: {rss_peak:.1f} MiB (after imports: {rss_before:.1f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--media-share", type=float, default=0.1)
    parser.add_argument("--max-qps", type=float, default=500.0)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--write-catalog", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_catalog:
        write_catalog(args.write_catalog, args.jobs, args.media_share)
        return
    with tempfile.TemporaryDirectory() as tmp:
        catalog, work = Path(tmp, "catalog"), Path(tmp, "work")
        catalog.mkdir()
        work.mkdir()
        # written by a child process, so the 10,000 jobs never count in this process's peak memory
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--write-catalog",
                str(catalog),
                "--jobs",
                str(args.jobs),
                "--media-share",
                str(args.media_share),
            ],
            check=True,
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "playgate.cli", "emulator", "--catalog", str(catalog), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = server.stdout.readline().strip()
            before = time.perf_counter()
            run_sweeps(url, work, args)
            print(f"total wall time: {time.perf_counter() - before:.1f} s")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
