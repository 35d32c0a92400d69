"""What a sink that is down costs one invocation: a batch of failed jobs (each alerts without asking ICE)
through the real handler, the JSONL primary beside either a best-effort DingTalk robot or a required
webhook, both answering 503 to everything. Prints the invocation's wall time, the time FC gave it, the
items' outcomes and how many requests the dead sink received.

    python bench/bench_sink_outage.py [--items 10] [--time-left 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from playgate.handler import RetryLater, Runtime, handle_payload
from playgate.testing.local import local_settings
from playgate.testing.receivers import Answer, Receiver
from playgate.testing.sample_events import callback, mns_cloudevent

HOOK_KEY = "whsec_" + base64.b64encode(b"bench-outage-webhook-key-32bytes").decode()


class Context:
    def __init__(self, remaining_s: float) -> None:
        self.request_id, self._until = "bench-outage", time.monotonic() + remaining_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._until - time.monotonic()) * 1000))


def batch(prefix: str, count: int) -> list[dict]:
    events = [
        callback("ProduceMediaComplete", f"{prefix}-{i}", None, status="Fail", error=("E", "boom"))
        for i in range(count)
    ]
    return [mns_cloudevent(json.dumps(e), f"msg-{i}") for i, e in enumerate(events)]


def run_once(kind: str, items: int, time_left_s: float, run: int) -> tuple[float, Counter, int]:
    os.environ["BENCH_HOOK_KEY"] = HOOK_KEY
    with tempfile.TemporaryDirectory() as folder, Receiver(ok=Answer(503, {"message": "down"})) as dead:
        host = dead.url.removeprefix("http://")
        if kind == "best-effort robot":
            extra = f"dingtalk+http://{host}/robot/send?access_token=bench#best_effort=true"
        else:
            extra = f"webhook+http://{host}/hook#secret=${{BENCH_HOOK_KEY}}"
        settings = local_settings(
            None,
            Path(folder),
            alert_sink=f"jsonl://{folder}/alerts.jsonl,{extra}",
            ice_endpoint="http://127.0.0.1:9",
            safety_margin_s=3.0,
        )
        runtime = Runtime.build(settings)
        started = time.monotonic()
        try:
            summary = handle_payload(
                batch(f"job-{run}", items), runtime=runtime, context=Context(time_left_s)
            )
        except RetryLater as error:
            summary = error.summary
        took = time.monotonic() - started
        runtime.close()
        return (
            took,
            Counter(f"{r['status']}: {r.get('reason')}" for r in summary["results"]),
            len(dead.requests),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--time-left", type=float, default=20.0, help="what FC says is left (s)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for kind in ("best-effort robot", "required webhook"):
        runs = [run_once(kind, args.items, args.time_left, i) for i in range(args.runs)]
        walls = [took for took, _, _ in runs]
        print(
            f"{kind} down, {args.items} items, {args.time_left:.0f} s left (margin 3 s): "
            f"median wall {statistics.median(walls):.2f} s (runs {', '.join(f'{w:.2f}' for w in walls)}); "
            f"outcomes {dict(runs[-1][1])}; requests to the dead sink {[n for _, _, n in runs]}"
        )


if __name__ == "__main__":
    main()
