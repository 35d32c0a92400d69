"""What writing the verdict back to ICE costs one event: the FC handler on a failing and on a passing media,
with the JSONL sinks only and with ``ice://block,ice://tag`` (and ``ice://marks``) beside them, against the
ICE emulator over HTTP on 127.0.0.1 and a SQLite store.

    python bench/bench_writeback.py [--events 200] [--runs 5] [--latency-ms 0]

Prints, per setup: the median [min–max] over the runs of the median handler time per event, and the ICE
calls per event. ``--latency-ms`` makes the emulator wait that long before each answer (ICE's own round
trip is tens of milliseconds from FC): the write-back's cost is then mostly its extra round trips.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from gate_world import local_settings  # noqa: E402
from playgate.handler import Runtime, handle_payload  # noqa: E402
from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path  # noqa: E402
from playgate.testing.sample_events import callback  # noqa: E402

SETUPS = {
    "jsonl only": "",
    "+ block, tag": ",ice://block,ice://tag",
    "+ block, tag, marks": ",ice://block,ice://tag,ice://marks",
}
MEDIA = {"failing": "media-broken-rendition", "passing": "media-ladder-ok"}


def one_run(extra: str, media_id: str, events: int, latency_s: float) -> tuple[float, float]:
    """Median handler time per event (ms) and ICE calls per event."""
    emulator = IceEmulator(latency_s=latency_s).load_catalog(sample_catalog_path())
    with EmulatorServer(emulator) as server, tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        settings = local_settings(
            server.url,
            out,
            log_level="error",
            alert_sink=f"jsonl://{out / 'alerts.jsonl'}{extra}",
            playback_sink=f"jsonl://{out / 'playback.jsonl'}{extra}",
        )
        runtime = Runtime.build(settings)
        times = []
        try:
            for i in range(events):
                payload = callback("MediaConvertComplete", f"job-bench-{i}", media_id)
                start = time.perf_counter()
                handle_payload(payload, runtime=runtime)
                times.append(time.perf_counter() - start)
        finally:
            runtime.close()
    return statistics.median(times) * 1000, len(emulator.calls) / events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    print(f"{args.events} events per run, {args.runs} runs, emulator latency {args.latency_ms:g} ms")
    for verdict, media_id in MEDIA.items():
        for name, extra in SETUPS.items():
            runs = [one_run(extra, media_id, args.events, args.latency_ms / 1000) for _ in range(args.runs)]
            medians = [ms for ms, _ in runs]
            print(
                f"{verdict:8} {name:20} median {statistics.median(medians):6.2f} ms/event "
                f"[{min(medians):.2f}–{max(medians):.2f}], ICE calls/event {runs[0][1]:.1f}"
            )


if __name__ == "__main__":
    main()
