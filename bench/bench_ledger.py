"""The ledger at scale: ``report`` over 100,000 verdicts and ``status`` of one media among them, on SQLite
and on PostgreSQL (a throw-away server from tests/postgres_server.py unless --postgresql-url names one).

    python bench/bench_ledger.py [--verdicts 100000] [--runs 5]

Prints, per store: the time to load the verdicts, then the median [min–max] wall time of ``report`` (the
summary rows read, summed up and written as HTML) and of ``status`` (one media's history as HTML), and
the peak RSS of this process. Goals (issue 20): report under 5 s, status under 100 ms.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from playgate.store import open_store  # noqa: E402
from playgate.store.ledger import Verdict  # noqa: E402
from playgate.verdicts.html import report_page, status_page  # noqa: E402
from playgate.verdicts.summary import summarize  # noqa: E402

DAY = 86400.0
RULES = ["min-height", "video-black", "bitrate-declared", "audio-silence", "loudness", "segments-reachable"]


def verdicts(count: int, now: float, seed: int = 7) -> list[Verdict]:
    rng = random.Random(seed)
    made = []
    for i in range(count):
        at = now - rng.uniform(0, 30 * DAY)
        outcome = rng.choices(["pass", "warn", "fail", "error"], weights=[80, 10, 8, 2])[0]
        failing = tuple(rng.sample(RULES, rng.randint(1, 2))) if outcome == "fail" else ()
        findings = [
            {"rule": r, "outcome": "fail", "subject": "rendition[0]", "actual": 360, "expected": ">= 720"}
            for r in failing
        ]
        made.append(
            Verdict(
                key=f"transcode:job-{i}:media-{i % (count // 2 or 1)}",
                outcome=outcome,
                decided_at=at,
                media_id=f"media-{i % (count // 2 or 1)}",
                job_id=f"job-{i}",
                event_type="TranscodeComplete",
                event_time=at - rng.uniform(1, 30),
                profile=rng.choice(["vod-hls", "shorts", "default"]),
                reason="qc_failed" if outcome == "fail" else None,
                message_type="playgate.qc.alert",
                message_id=f"ce-{i}",
                failing_rules=failing,
                report={"findings": findings, "sinks": {"mns-queue://alerts": "delivered"}},
            )
        )
    return made


def timed(fn, runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


def bench(name: str, url: str, count: int, runs: int) -> None:
    store = open_store(url)
    now = time.time()
    made = verdicts(count, now)
    started = time.perf_counter()
    conn = getattr(store, "_conn", None)
    if name == "sqlite":  # one transaction: the bench measures reading, not 100,000 commits
        from playgate.store.ledger import insert_sql

        with store._lock:
            conn.execute("BEGIN")
            conn.executemany(insert_sql("?"), [v.as_row() for v in made])
            conn.execute("COMMIT")
    else:
        from playgate.store.ledger import insert_sql

        with store._guard("bench") as pg, pg.cursor() as cursor:
            cursor.executemany(insert_sql("%s"), [v.as_row() for v in made])
    loaded = time.perf_counter() - started

    def report() -> None:  # the whole period: every verdict loaded
        rows = store.verdict_summaries(now - 31 * DAY, now)
        assert len(rows) == count
        report_page(summarize(rows, start=now - 31 * DAY, end=now))

    def status() -> None:
        status_page("media-4242", store.verdict_history("media-4242"))

    r = timed(report, runs)
    s = timed(status, max(runs, 20))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{name:10} {count} verdicts loaded in {loaded:.1f} s | report median {r[0]:.2f} s "
        f"[{r[1]:.2f}–{r[2]:.2f}] | status median {s[0] * 1000:.1f} ms [{s[1] * 1000:.1f}–{s[2] * 1000:.1f}] "
        f"| peak RSS {rss:.0f} MiB"
    )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgresql-url", help="a database to fill (default: a throw-away local server)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench("sqlite", f"sqlite:///{folder}/ledger.sqlite3", args.verdicts, args.runs)
    if args.postgresql_url:
        bench("postgresql", args.postgresql_url, args.verdicts, args.runs)
        return
    from postgres_server import PostgresServer

    with PostgresServer() as server:
        bench("postgresql", server.new_database_url(), args.verdicts, args.runs)


if __name__ == "__main__":
    main()
