"""playgate's FC function against a hand-written handler and the SDK's import, side by side in one run.

    python bench/compare.py [--runs 7] [--events 2000] [--latency-events 10] [--store URL]

Both handlers get the same events (ICE callbacks for distinct jobs over the sample catalog's playable
media) from the same ICE emulator, which runs in a separate process (``playgate emulator``), over HTTP on
127.0.0.1; a second emulator answers each call after 100 ms for the latency figure. Every figure is
measured in a fresh process (``os.wait4`` gives that child's own CPU and peak RSS), runs alternate
between the contenders so machine load hits all alike, and each figure prints the median of ``--runs``
with the spread (min–max).

- anchor: ``python -c "from alibabacloud_ice20201109.client import Client"``;
- cold start: import the handler module, ``initialize(context)``, handle one event (CPU, wall, peak RSS);
- warm CPU per event: after 50 warm-up events, process CPU over ``--events`` events / events;
- latency: wall time of one event, ICE answering after 100 ms, in round trips (median of
  ``--latency-events`` events);
- warm peak RSS after the warm run; ``--memory-events 10000`` instead follows one warm playgate's peak
  RSS over that many events (it should stay flat).

playgate runs as deployed: ``functions/qc_gate/index.py`` on the package byte-compiled (as the layer
ships it), default log level, a SQLite store (its own ledger) and JSONL sinks in a temporary folder;
``--store URL`` gives playgate another store instead, e.g. ``postgresql://…`` (claims and ledger there).
The hand-written handler is ``bench/handwritten_handler.py`` (the official SDK, GetMediaInfo then
GetPlayInfo, two checks, one JSON line).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ("media-ladder-ok", "media-reference", "media-audio-only", "media-broken-rendition")
KEY_ID, KEY_SECRET = "emulator-access-key-id", "emulator-access-key-secret"

ANCHOR = "from alibabacloud_ice20201109.client import Client"

# One child: load a handler module, initialize, then cold (one event) or warm (many) or latency runs.
CHILD = r"""
import json, os, sys, time, types, resource
mode, which, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
folder = "functions/qc_gate" if which == "playgate" else "bench"
sys.path.insert(0, os.path.join(os.environ["BENCH_ROOT"], folder))
module = __import__("index" if which == "playgate" else "handwritten_handler")
context = types.SimpleNamespace(request_id="bench", region="cn-shanghai", credentials=None,
                                function=types.SimpleNamespace(name="qc-gate", timeout=60))
module.initialize(context)
media = os.environ["BENCH_MEDIA"].split(",")
tag = os.environ["BENCH_TAG"]
def event(n):
    body = {"Status": "Success", "JobId": f"{tag}-{n}", "MediaId": media[n % len(media)]}
    return json.dumps({"EventType": "MediaConvertComplete", "UserId": 1, "EventTime": "2024-05-01T00:00:00Z",
                       "MessageBody": body}).encode()
if mode == "cold":
    module.handler(event(0), context)
    sys.exit(0)
for n in range(1, 51):
    module.handler(event(n), context)
result = {}
if mode == "warm":
    events = [event(n) for n in range(100, 100 + count)]
    started = time.process_time()
    for payload in events:
        module.handler(payload, context)
    result["cpu_per_event_s"] = (time.process_time() - started) / count
if mode == "latency":
    walls = []
    for n in range(100, 100 + count):
        payload = event(n)
        started = time.perf_counter()
        module.handler(payload, context)
        walls.append(time.perf_counter() - started)
    result["walls"] = walls
if mode == "memory":
    marks = {1000, 2500, 5000, count}
    result["rss_mib"] = {}
    for n in range(100, 100 + count):
        module.handler(event(n), context)
        if n - 99 in marks:
            result["rss_mib"][n - 99] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with open(os.environ["BENCH_RESULT"], "w") as out:
    json.dump(result, out)
"""


def start_emulator(latency_ms: float) -> tuple[subprocess.Popen, str]:
    argv = [sys.executable, "-m", "playgate.cli", "emulator", "--port", "0", "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one fresh child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])}… failed with exit code {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def child_env(url: str, folder: Path, tag: str, result: Path, store: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("PLAYGATE_", "ALIBABA_CLOUD_")):
            del env[name]
    env.update(
        BENCH_ROOT=str(ROOT),
        BENCH_MEDIA=",".join(MEDIA),
        BENCH_TAG=tag,
        BENCH_RESULT=str(result),
        PLAYGATE_ICE_ENDPOINT=url,
        PLAYGATE_REGION="cn-shanghai",
        PLAYGATE_ACCESS_KEY_ID=KEY_ID,
        PLAYGATE_ACCESS_KEY_SECRET=KEY_SECRET,
        PLAYGATE_STORE=store or f"sqlite:///{folder / 'store.sqlite3'}",
        PLAYGATE_PLAYBACK_SINK=f"jsonl://{folder / 'playback.jsonl'}",
        PLAYGATE_ALERT_SINK=f"jsonl://{folder / 'alerts.jsonl'}",
        PLAYGATE_DEAD_LETTER_SINK=f"jsonl://{folder / 'dead-letters.jsonl'}",
    )
    return env


def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    med = statistics.median(values) * scale
    return f"{fmt.format(med)} ({fmt.format(min(values) * scale)}–{fmt.format(max(values) * scale)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--latency-events", type=int, default=10)
    parser.add_argument("--store", help="playgate's PLAYGATE_STORE (default: a SQLite file per run)")
    parser.add_argument(
        "--memory-events", type=int, default=0, help="instead: peak RSS of one warm playgate over N events"
    )
    args = parser.parse_args()
    if args.memory_events:
        memory(args.memory_events)
        return
    compileall.compile_dir(ROOT / "src" / "playgate", quiet=1)  # as pip does when it builds the layer
    fast, fast_url = start_emulator(0)
    slow, slow_url = start_emulator(100)
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    try:
        for n in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                folder, result = Path(tmp), Path(tmp) / "result.json"
                wall, cpu, rss = run([sys.executable, "-c", ANCHOR], child_env(fast_url, folder, "a", result))
                note("anchor cpu", cpu), note("anchor wall", wall), note("anchor rss", rss)
                for which in ("playgate", "handwritten") if n % 2 == 0 else ("handwritten", "playgate"):
                    tag = f"{which}-{n}-{time.time_ns()}"
                    env = child_env(fast_url, folder, tag, result, args.store)
                    wall, cpu, rss = run([sys.executable, "-c", CHILD, "cold", which, "1"], env)
                    note(f"{which} cold cpu", cpu), note(f"{which} cold wall", wall)
                    note(f"{which} cold rss", rss)
                    run([sys.executable, "-c", CHILD, "warm", which, str(args.events)], env)
                    warm = json.loads(result.read_text())
                    (
                        note(f"{which} warm cpu", warm["cpu_per_event_s"]),
                        note(f"{which} warm rss", warm["peak_rss_mib"]),
                    )
                    env = child_env(slow_url, folder, tag + "-slow", result, args.store)
                    run([sys.executable, "-c", CHILD, "latency", which, str(args.latency_events)], env)
                    note(f"{which} rtt", statistics.median(json.loads(result.read_text())["walls"]) / 0.1)
    finally:
        for proc in (fast, slow):
            proc.terminate()
            proc.wait(timeout=10)
    report(figures, args)


def memory(events: int) -> None:
    """Peak RSS of one warm playgate instance as events go by (it should stay flat)."""
    compileall.compile_dir(ROOT / "src" / "playgate", quiet=1)
    emulator, url = start_emulator(0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder, result = Path(tmp), Path(tmp) / "result.json"
            env = child_env(url, folder, f"memory-{time.time_ns()}", result)
            run([sys.executable, "-c", CHILD, "memory", "playgate", str(events)], env)
            marks = json.loads(result.read_text())["rss_mib"]
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    print(
        "playgate warm instance, peak RSS after "
        + ", ".join(
            f"{int(n):,} events: {mib:.1f} MiB" for n, mib in sorted(marks.items(), key=lambda kv: int(kv[0]))
        )
    )


def report(f: dict[str, list[float]], args: argparse.Namespace) -> None:
    med = {k: statistics.median(v) for k, v in f.items()}
    load = os.getloadavg()[0]
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.2f}; "
        f"median (min–max) of {args.runs} alternating runs; warm: {args.events} events"
    )
    print(
        f"anchor: SDK import                 CPU {spread(f['anchor cpu'])} s  "
        f"wall {spread(f['anchor wall'])} s  peak RSS {spread(f['anchor rss'], fmt='{:.1f}')} MiB"
    )
    for which in ("playgate", "handwritten"):
        print(
            f"{which:<12} cold start          CPU {spread(f[f'{which} cold cpu'])} s  "
            f"wall {spread(f[f'{which} cold wall'])} s  "
            f"peak RSS {spread(f[f'{which} cold rss'], fmt='{:.1f}')} MiB"
        )
        print(
            f"{which:<12} warm CPU per event  {spread(f[f'{which} warm cpu'], 1000, '{:.2f}')} ms  "
            f"peak RSS after warm run {spread(f[f'{which} warm rss'], fmt='{:.1f}')} MiB  "
            f"one event at 100 ms ICE latency {spread(f[f'{which} rtt'], fmt='{:.2f}')} RTT"
        )
    cold = [p / a for p, a in zip(f["playgate cold cpu"], f["anchor cpu"], strict=True)]
    warm = [p / h for p, h in zip(f["playgate warm cpu"], f["handwritten warm cpu"], strict=True)]
    print(
        f"ratios run by run: cold CPU / anchor {spread(cold, fmt='{:.2f}')}; "
        f"warm CPU / hand-written {spread(warm, fmt='{:.2f}')}"
    )
    print(
        "ratios (medians): playgate cold CPU / anchor CPU "
        f"{med['playgate cold cpu'] / med['anchor cpu']:.2f} (goal ≤ 0.5); "
        f"playgate warm CPU / hand-written {med['playgate warm cpu'] / med['handwritten warm cpu']:.2f} "
        f"(goal ≤ 1.0); playgate cold peak RSS {med['playgate cold rss']:.1f} MiB (goal ≤ 48)"
    )


if __name__ == "__main__":
    main()
