"""How long each wait that the deadline tests cut actually lasts: the figures those tests no longer assert.

    python bench/bench_deadlines.py [--runs 3] [--only NAME]

The tests (tests/ice/test_http1_transport.py, tests/publish/test_robot_sinks_http.py,
tests/reliability/test_reliability_deadlines.py and test_reliability_time_budget.py,
tests/gate/test_reconcile_watermark_deadline.py) check the outcome and the time each part was *given*;
this measures the wall time of the same attacks on this machine: an answer trickled a byte at a time,
two calls to a server that never answers, a robot that is down, a SQLite file locked by another process,
a hung Redis, an MNS server trickling its answer or answering late, ICE answering late, a batch far larger
than the time left. Each line: the scenario, the time it was given (the invocation's deadline: FC's time
left minus the safety margin), the median wall time [min–max] over ``--runs``, and the outcome.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for folder in ("tests", "tests/reliability"):  # redis_server, reliability_workers
    if str(ROOT / folder) not in sys.path:
        sys.path.append(str(ROOT / folder))

from reliability_workers import Context  # noqa: E402

from playgate.errors import PlaygateError  # noqa: E402
from playgate.handler import RetryLater, Runtime, deadline_from, handle_payload  # noqa: E402
from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path  # noqa: E402
from playgate.testing.local import local_settings  # noqa: E402
from playgate.testing.mns_server import MnsServer  # noqa: E402
from playgate.testing.sample_events import callback, mns_cloudevent  # noqa: E402
from redis_server import RedisServer  # noqa: E402

Scenario = Callable[[Path], tuple[float, str]]  # once, in a fresh folder: (seconds the attack took, outcome)


def failed_job(job_id: str) -> dict[str, Any]:
    return callback("ProduceMediaComplete", job_id, None, status="Fail", error=("E", "boom"))


def timed(call: Callable[[], str]) -> tuple[float, str]:
    started = time.perf_counter()
    outcome = call()
    return time.perf_counter() - started, outcome


def invoke(runtime: Runtime, payload: Any, remaining_ms: int) -> tuple[float, str]:
    """One FC invocation, timed from the handler's call to its answer."""

    def call() -> str:
        try:
            summary = handle_payload(payload, runtime=runtime, context=Context(remaining_ms=remaining_ms))
        except RetryLater as error:
            summary = error.summary
        return ", ".join(sorted({f"{r['status']} {r.get('reason', '')}".strip() for r in summary["results"]}))

    return timed(call)


# --- the HTTP/1.1 transport and a robot ------------------------------------------------------------------
def serve(answer: Callable[[socket.socket], None]) -> tuple[socket.socket, str]:
    """A listener on 127.0.0.1 that reads one request head per connection and calls ``answer``."""
    listener = socket.create_server(("127.0.0.1", 0))

    def talk(conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
                data += chunk
            with contextlib.suppress(OSError):  # the client gave up and hung up
                answer(conn)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=talk, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener, f"127.0.0.1:{listener.getsockname()[1]}"


def transport_for(endpoint: str) -> Any:
    from playgate.ice.credentials import Credentials
    from playgate.ice.transport import Transport

    return Transport(endpoint, "http", lambda: Credentials("id", "secret"))


def trickled_answer(_: Path) -> tuple[float, str]:
    body = b'{"RequestId": "R-1"}' * 20
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    def trickle(conn: socket.socket) -> None:
        for i in range(len(answer)):
            conn.sendall(answer[i : i + 1])
            time.sleep(0.05)

    def call() -> str:
        try:
            transport.call("GetMediaInfo", {"MediaId": "m"}, 0.5)
            return "answered"
        except TimeoutError:
            return "TimeoutError"

    listener, endpoint = serve(trickle)
    transport = transport_for(endpoint)
    try:
        return timed(call)
    finally:
        listener.close()


def two_calls_never_answered(_: Path) -> tuple[float, str]:
    never = threading.Event()
    listener, endpoint = serve(lambda conn: never.wait(30))
    transport = transport_for(endpoint)
    try:
        return timed(
            lambda: ", ".join(
                type(a).__name__ for a in transport.call_all([("GetMediaInfo", {}), ("GetPlayInfo", {})], 1.0)
            )
        )
    finally:
        never.set()
        listener.close()


def robot_outage(_: Path) -> tuple[float, str]:
    from playgate.publish import open_sink
    from playgate.settings import Settings
    from playgate.testing.receivers import Answer, Receiver

    with Receiver(ok=Answer(503, {"message": "down"})) as robot:
        host = robot.url.removeprefix("http://")
        sink = open_sink(f"dingtalk+http://{host}/robot/send?access_token=t&secret=SECx", Settings())
        event = {"id": "x", "type": "playgate.qc.alert", "source": "bench", "data": {"media_id": "m"}}

        def call() -> str:
            try:
                sink.send(event, timeout_s=1.5)
                return "sent"
            except PlaygateError as error:
                return f"{error.reason} after {len(robot.requests)} attempts"

        return timed(call)


# --- one FC invocation (2.5 s left, 1 s margin: the gate's deadline is 1.5 s in) ------------------------
def runtime_for(folder: Path, ice_url: str | None = None, **overrides: Any) -> Runtime:
    values = {"log_level": "error", "safety_margin_s": 1.0, **overrides}
    return Runtime.build(local_settings(ice_url, folder, **values))


def sqlite_locked(folder: Path) -> tuple[float, str]:
    runtime = runtime_for(folder)
    locker = sqlite3.connect(folder / "store.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        return invoke(runtime, failed_job("job-locked"), 2500)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
        runtime.close()


def hung_redis(folder: Path) -> tuple[float, str]:
    runtime = runtime_for(folder, store=f"{REDIS.url}?prefix=bench-{uuid.uuid4().hex}:")
    invoke(runtime, failed_job("job-warm-up"), 2500)  # a kept-alive connection
    payload = [mns_cloudevent(json.dumps(failed_job(f"job-hung-{i}")), f"m-{i}") for i in range(3)]
    REDIS.pause()
    try:
        return invoke(runtime, payload, 2500)
    finally:
        REDIS.resume()
        runtime.close()


def mns_trickling(folder: Path) -> tuple[float, str]:
    with MnsServer(queues=["alerts"]) as mns:
        runtime = runtime_for(folder, mns_endpoint=mns.endpoint, alert_sink="mns-queue://alerts?timeout=5")
        mns.trickle_s = 0.03
        try:
            return invoke(runtime, failed_job("job-trickle"), 2500)
        finally:
            mns.trickle_s = 0.0
            runtime.close()


def big_batch(folder: Path) -> tuple[float, str]:
    runtime = runtime_for(folder)
    payload = [mns_cloudevent(json.dumps(failed_job(f"job-big-{i}")), f"m-{i}") for i in range(3000)]
    try:
        return invoke(runtime, payload, 1500)  # 0.5 s in
    finally:
        runtime.close()


def slow_ice(folder: Path) -> tuple[float, str]:
    EMULATOR.emulator.latency_s = 3.0
    runtime = runtime_for(folder, EMULATOR.url, ice_timeout_s=5.0)
    try:
        return invoke(runtime, callback("MediaConvertComplete", "job-slow-ice", "media-ladder-ok"), 1500)
    finally:
        EMULATOR.emulator.latency_s = 0.0
        runtime.close()


def slow_mns_publish(folder: Path) -> tuple[float, str]:
    with MnsServer(queues=["alerts"]) as mns:
        runtime = runtime_for(folder, mns_endpoint=mns.endpoint, alert_sink="mns-queue://alerts")
        mns.latency_s = 3.0
        try:
            return invoke(runtime, failed_job("job-slow-sink"), 1500)
        finally:
            runtime.close()


# --- a reconcile sweep (2.5 s left, 1 s margin) ----------------------------------------------------------
def sweep_outcome(runtime: Runtime) -> tuple[float, str]:
    """One sweep as the timer function runs it (playgate.reconcile.handler), timed."""
    from playgate.reconcile import sweep

    def call() -> str:
        try:
            deadline = deadline_from(Context(remaining_ms=2500), runtime.settings, time.monotonic())
            sweep(runtime, deadline=deadline)
            return "swept"
        except PlaygateError as error:
            return error.reason

    return timed(call)


def watermark_sqlite_locked(folder: Path) -> tuple[float, str]:
    runtime = runtime_for(folder, EMULATOR.url, reconcile_initial_lookback_s=1)
    sweep_outcome(runtime)  # the watermark exists: the next sweep only writes it
    locker = sqlite3.connect(folder / "store.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        return sweep_outcome(runtime)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
        runtime.close()


def watermark_hung_redis(folder: Path) -> tuple[float, str]:
    store = f"{REDIS.url}?prefix=bench-sweep-{uuid.uuid4().hex}:"
    runtime = runtime_for(folder, EMULATOR.url, store=store, reconcile_initial_lookback_s=1)
    sweep_outcome(runtime)
    REDIS.pause()
    try:
        return sweep_outcome(runtime)
    finally:
        REDIS.resume()
        runtime.close()


SCENARIOS: dict[str, tuple[float, Scenario]] = {  # name: (the time given, in seconds; the attack)
    "transport: answer trickled a byte every 50 ms": (0.5, trickled_answer),
    "transport: two calls in flight, never answered": (1.0, two_calls_never_answered),
    "DingTalk robot answering 503": (1.5, robot_outage),
    "handler: SQLite file locked by another process": (1.5, sqlite_locked),
    "handler: hung Redis, a batch of 3": (1.5, hung_redis),
    "handler: MNS trickling its answer (30 ms a byte)": (1.5, mns_trickling),
    "handler: a batch of 3,000 failed jobs": (0.5, big_batch),
    "handler: ICE answering after 3 s": (0.5, slow_ice),
    "handler: MNS answering after 3 s": (0.5, slow_mns_publish),
    "reconcile: SQLite locked at the watermark write": (1.5, watermark_sqlite_locked),
    "reconcile: hung Redis at the watermark read": (1.5, watermark_hung_redis),
}


def measure(scenario: Scenario, runs: int) -> tuple[list[float], str]:
    times, outcomes = [], set()
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            took_s, outcome = scenario(Path(folder))
        times.append(took_s)
        outcomes.add(outcome)
    return times, " | ".join(sorted(outcomes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    args = parser.parse_args()
    print(f"{'scenario':<50} {'given':>6} {'median [min-max] wall':>24}  outcome")
    for name, (given_s, scenario) in SCENARIOS.items():
        if args.only and args.only not in name:
            continue
        times, outcome = measure(scenario, args.runs)
        spread = f"{statistics.median(times):.2f} s [{min(times):.2f}-{max(times):.2f}]"
        print(f"{name:<50} {given_s:>5.1f}s {spread:>24}  {outcome}", flush=True)


if __name__ == "__main__":
    with (
        RedisServer() as REDIS,
        EmulatorServer(IceEmulator().load_catalog(sample_catalog_path())) as EMULATOR,
    ):
        main()
