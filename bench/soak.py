"""Soak: thousands of ICE events through N FC instances with duplicates, throttling and 5xx — none lost,
none published twice.

    python bench/soak.py --events 2000 --duplicates 0.3 --throttle 0.2 --fail5xx 0.05 --workers 4 \\
        --store sqlite|redis

One ICE emulator serves the sample catalog over HTTP in this process, failing calls at the given rates
(seeded). N worker processes each build their own Runtime (one store, the same JSONL sinks) and take
payloads from one queue, like FC instances. The payloads name the catalog's media with unique job ids, in
every envelope kind (raw callback, MNS queue via EventBridge single/batch with JSON or base64 bodies, MNS
topic JSON/STREAM), a ``--duplicates`` share delivered a second time through another envelope at a random
later point, and a ``--malformed`` share that is not an ICE event at all. ``--hostile`` adds a share of
attacks (issue 9): lone surrogates in ids and messages, nesting 10,000 deep around ``rawPath``, ids of
10,000 characters or that are not text, forged HTTP callbacks, an invented MediaInfoJobComplete — each
must end as a dead letter and publish nothing —, and jobs whose ids contain ``:`` (which must publish,
each once). A delivery that raises RetryLater is delivered again (as FC / EventBridge would, at most
``--max-attempts`` times).

With ``--robot-fail R --webhook-fail W`` every alert also goes to a local DingTalk robot and a Standard
Webhooks receiver (both required sinks beside the JSONL primary), which answer 503 to that share of
requests; the figures then say, per sink, how many alerts arrived, how many were lost and how many
arrived twice (and whether twice meant the same CloudEvent id). The robot's rate window is 1000 a minute
here (``--robot-per-minute``): the soak is about delivery under failures. With ``--robot-per-minute 20``
the robot gets digests, and alerts still pending in an instance's digest when the soak ends count as lost
for the robot (they are in the primary sink).

Printed: events, unique jobs, published, duplicates published (a job published twice; a CloudEvent id
seen twice), lost (a job with no published outcome at the end), dead-lettered, retries, wall time. Exits 1
when anything was lost or published twice. ``--store redis`` starts its own redis-server (tests/
redis_server.py) unless ``--redis-url`` names one.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for folder in ("tests", "tests/reliability"):  # redis_server, gate_world, reliability_workers
    if str(ROOT / folder) not in sys.path:
        sys.path.append(str(ROOT / folder))

from reliability_workers import Delivery, Workers, deliver_all  # noqa: E402

from gate_world import local_settings  # noqa: E402
from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path  # noqa: E402
from playgate.testing.sample_events import (  # noqa: E402
    callback,
    http_callback_trigger,
    mns_cloudevent,
    mns_topic_json,
)

MEDIA = tuple(IceEmulator().load_catalog(sample_catalog_path()).media_ids)  # the sample catalog's media
EVENT_TYPES = ("MediaConvertComplete", "TranscodeComplete", "ProduceMediaComplete", "RegisterMediaComplete")
HOOK_SECRET = "whsec_" + base64.b64encode(b"playgate-soak-webhook-secret-32b").decode()
ROBOT_JOB = re.compile(r"job:? `([^`]+)`")
SINGLE_ENVELOPES = ("raw bytes", "raw text", "raw parsed", "mns json", "mns base64", "topic json", "stream")


class CountingEmulator(IceEmulator):
    """The emulator, counting the faults it answered with (the ICE client's own retries are invisible)."""

    def __init__(self) -> None:
        super().__init__()
        self.faults: Counter[str] = Counter()

    def _fault_reply(self, kind: str, host: str) -> Any:
        self.faults[kind] += 1
        return super()._fault_reply(kind, host)


@dataclass(frozen=True)
class Message:
    """One ICE message (or a malformed one) before it is wrapped in a trigger envelope."""

    name: str
    text: str
    job: str | None  # None: malformed, must end as a dead letter
    hostile: bool = False


def hostile_message(rng: random.Random, i: int) -> Message:
    """An attack; a job with ``:`` in its ids is a legitimate event that must still publish once."""
    media = rng.choice(MEDIA)
    base = callback("MediaConvertComplete", f"job-hostile-{i:05d}", media)
    kind = rng.choice(["surrogate", "deep", "long id", "number id", "forged http", "invented info", "colon"])
    if kind == "colon":
        job = f"job-soak:{i:05d}"
        return Message(f"colon-{i}", json.dumps(callback("MediaConvertComplete", job, media)), job)
    if kind == "surrogate":
        base["MessageBody"][rng.choice(["JobId", "MediaId", "ErrorMessage"])] = f"bad\udfff{i}"
    elif kind == "deep":
        return Message(
            f"hostile-{i}", f'{{"rawPath": "/{i}", "a": ' + "[" * 10_000 + "]" * 10_000 + "}", None, True
        )
    elif kind == "long id":
        base["MessageBody"]["MediaId"] = f"{i}" + "m" * 10_000
    elif kind == "number id":
        base["MessageBody"]["JobId"] = i
    elif kind == "forged http":
        return Message(
            f"hostile-{i}", http_callback_trigger(base, request_id=f"forged-{i}").decode(), None, True
        )
    else:
        base["EventType"] = "MediaInfoJobComplete"
        base["MessageBody"]["MediaInfoProperty"] = {"FileBasicInfo": {"FileName": "invented.mp4"}}
    return Message(f"hostile-{i}", json.dumps(base), None, True)


def build_messages(rng: random.Random, events: int, malformed: float, hostile: float) -> list[Message]:
    messages = []
    for i in range(events):
        if rng.random() < hostile:
            messages.append(hostile_message(rng, i))
            continue
        if rng.random() < malformed:
            junk = rng.choice(
                [
                    f"{{not json {i}",
                    json.dumps({"EventType": "MediaConvertComplete", "Note": f"no MessageBody {i}"}),
                    json.dumps({"hello": "not an ICE event", "n": i}),
                ]
            )
            messages.append(Message(f"malformed-{i}", junk, None))
            continue
        job, media = f"job-soak-{i:05d}", rng.choice(MEDIA)
        failed = rng.random() < 0.03
        body = callback(
            rng.choice(EVENT_TYPES),
            job,
            media,
            status="Fail" if failed else "Success",
            error=("InvalidParameter", "soak: the job failed") if failed else None,
        )
        messages.append(Message(job, json.dumps(body), job))
    return messages


def deliveries(rng: random.Random, messages: list[Message], duplicates: float) -> list[Message]:
    """Every message once, in random order, and a ``duplicates`` share of the good ones again: half of
    them right behind the first (so two instances handle the twins at once), half at any later point."""
    order = list(messages)
    rng.shuffle(order)
    for message in [m for m in messages if m.job and rng.random() < duplicates]:
        first = order.index(message)
        later = first + rng.randint(1, 3) if rng.random() < 0.5 else rng.randint(first + 1, len(order))
        order.insert(min(later, len(order)), message)
    return order


def envelope(rng: random.Random, message: Message) -> Any:
    text, tag = message.text, uuid.UUID(int=rng.getrandbits(128)).hex[:12]
    kind = rng.choice(SINGLE_ENVELOPES)
    if kind == "raw bytes" or (message.job is None and text.startswith("{not")) or message.hostile:
        return text.encode()  # hostile text stays bytes: the JSON escapes (\udfff) arrive as they were sent
    if kind == "raw text":
        return text
    if kind == "raw parsed":
        return json.loads(text)
    if kind == "mns json":
        return mns_cloudevent(text, tag)
    if kind == "mns base64":
        return mns_cloudevent(base64.b64encode(text.encode()).decode(), tag)
    if kind == "topic json":
        return mns_topic_json(text, tag)
    return {"body": text, "attrs": {"soak": "1"}}


def payloads(rng: random.Random, order: list[Message], batch_share: float) -> list[tuple[str, Any]]:
    """Wrap the deliveries: mostly one per payload, some as EventBridge batches of 2-5 CloudEvents."""
    out, i = [], 0
    while i < len(order):
        if rng.random() < batch_share:
            group = order[i : i + rng.randint(2, 5)]
            batch = [mns_cloudevent(m.text, uuid.UUID(int=rng.getrandbits(128)).hex[:12]) for m in group]
            out.append((f"p{len(out)}", batch))
            i += len(group)
        else:
            out.append((f"p{len(out)}", envelope(rng, order[i])))
            i += 1
    return out


def read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]


def report(
    messages: list[Message], sent: list[Message], runs: list[Delivery], folder: Path, wall_s: float
) -> dict[str, Any]:
    outcomes = read_lines(folder / "playback.jsonl") + read_lines(folder / "alerts.jsonl")
    dead = read_lines(folder / "dead-letters.jsonl")
    jobs = {m.job for m in messages if m.job}
    hostile = [m for m in messages if m.hostile]
    per_job = Counter(m["data"].get("job_id") for m in outcomes)
    per_id = Counter((m["source"], m["id"]) for m in outcomes)
    last: dict[Any, Delivery] = {}
    for run in runs:
        if run.task not in last or run.attempt > last[run.task].attempt:
            last[run.task] = run
    statuses = Counter(r["status"] for run in runs for r in run.results)
    retry_reasons = Counter(r.get("reason") for run in runs for r in run.results if r["status"] == "retry")
    return {
        "events": len(messages),
        "deliveries (messages sent, duplicates included)": len(sent),
        "payloads (first deliveries)": len(last),
        "unique jobs": len(jobs),
        "malformed events": len(messages) - len(jobs) - len(hostile),
        "hostile items (must be dead-lettered)": len(hostile),
        "hostile items published": sum(n for j, n in per_job.items() if str(j).startswith("job-hostile-")),
        "published": len(outcomes),
        "duplicates published (same job twice)": sum(n - 1 for n in per_job.values() if n > 1),
        "duplicate CloudEvent ids": sum(n - 1 for n in per_id.values() if n > 1),
        "lost": len(jobs - set(per_job)),
        "dead-lettered (unique ids / records)": f"{len({d['id'] for d in dead})} / {len(dead)}",
        "retries (redeliveries)": sum(1 for run in runs if run.attempt > 1),
        "retry reasons": dict(retry_reasons.most_common()),
        "payloads given up (still retrying)": sum(1 for run in last.values() if run.retry),
        "handler raised other than RetryLater": sum(1 for run in runs if run.raised),
        "item statuses": dict(statuses.most_common()),
        "wall time (s)": round(wall_s, 2),
    }


def http_sinks(args: argparse.Namespace, folder: Path, stack: list[Any]) -> dict[str, Any]:
    """Start a robot and a webhook receiver that fail at the given rates; return the alert_sink setting."""
    import os

    from playgate.testing.receivers import Receiver

    robot = Receiver(fail_rate=args.robot_fail, seed=args.seed + 2).start()
    hook = Receiver(fail_rate=args.webhook_fail, seed=args.seed + 3).start()
    stack.extend([robot, hook])
    os.environ.update(
        SOAK_ROBOT_TOKEN="soak-token", SOAK_ROBOT_SECRET="SECsoak", SOAK_HOOK_SECRET=HOOK_SECRET
    )
    robot_url = (
        f"dingtalk+http://{robot.url.removeprefix('http://')}/robot/send?access_token=${{SOAK_ROBOT_TOKEN}}"
        f"#secret=${{SOAK_ROBOT_SECRET}}&per_minute={args.robot_per_minute}"
    )
    hook_url = f"{hook.url}/hook#secret=${{SOAK_HOOK_SECRET}}"
    if args.sink_retry_for is not None:  # short: a failed send is left to the redelivery more often
        robot_url, hook_url = (f"{url}&retry_for={args.sink_retry_for}" for url in (robot_url, hook_url))
    sinks = f"jsonl://{folder / 'alerts.jsonl'},{robot_url},{hook_url}"
    return {"alert_sink": sinks, "robot": robot, "hook": hook}


def jobs_named(text: str) -> list[str]:
    """The job ids a robot message names where the default templates put them (the job line of a single
    alert, each digest item), whatever they contain: not a pattern of the soak's own ids, which missed the
    hostile share's jobs with ``:`` in their ids and counted them lost at the robot."""
    return ROBOT_JOB.findall(text)


def sink_report(alerts: list[dict[str, Any]], robot: Any, hook: Any) -> dict[str, Any]:
    """Per HTTP sink: arrived, lost, twice (and with which ids), refused by the receiver's verifier."""
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    alert_ids = {a["data"]["job_id"]: a["id"] for a in alerts}
    robot_jobs: Counter[str] = Counter()
    robot_other_ids = 0
    for r in robot.accepted():
        text = r.json()["markdown"]["text"]
        jobs = jobs_named(text)
        robot_jobs.update(jobs)
        shown = re.search(r"id `([0-9a-f]{32})`", text)  # a single message names its CloudEvent id
        if shown and len(jobs) == 1 and alert_ids.get(jobs[0]) != shown.group(1):
            robot_other_ids += 1
    hook_ids: Counter[tuple[str, str]] = Counter()
    unverified = 0
    for r in hook.accepted():
        try:
            event = Webhook(HOOK_SECRET).verify(r.body, r.headers)
        except WebhookVerificationError:
            unverified += 1
            continue
        hook_ids[(event["data"]["job_id"], event["id"])] += 1
    hook_jobs = Counter(job for job, _ in hook_ids.elements())
    other_ids = sum(1 for (job, id_) in hook_ids if alert_ids.get(job) != id_)
    return {
        "alerts (primary sink)": len(alert_ids),
        "robot: requests (503 injected)": _requests(robot),
        "robot: alerts arrived / lost / twice": (
            f"{len(set(robot_jobs) & set(alert_ids))} / {len(set(alert_ids) - set(robot_jobs))} / "
            f"{sum(n - 1 for n in robot_jobs.values() if n > 1)}"
        ),
        "robot: twice with another id": robot_other_ids,
        "robot: most messages in any 60 s": _busiest_minute([r.at for r in robot.accepted()]),
        "webhook: requests (503 injected)": _requests(hook),
        "webhook: alerts arrived / lost / twice": (
            f"{len(set(hook_jobs) & set(alert_ids))} / {len(set(alert_ids) - set(hook_jobs))} / "
            f"{sum(n - 1 for n in hook_jobs.values() if n > 1)}"
        ),
        "webhook: twice with another id, or failing verification": other_ids + unverified,
        "_broken": len(set(alert_ids) - set(robot_jobs))
        + len(set(alert_ids) - set(hook_jobs))
        + other_ids
        + unverified,
    }


def _busiest_minute(times: list[float]) -> int:
    times, most, start = sorted(times), 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 60:
            start += 1
        most = max(most, end - start + 1)
    return most


def _requests(receiver: Any) -> str:
    return f"{len(receiver.requests)} ({len(receiver.requests) - len(receiver.accepted())})"


def store_url(args: argparse.Namespace, folder: Path, stack: list[Any]) -> str:
    if args.store == "sqlite":
        return f"sqlite:///{folder / 'store.sqlite3'}"
    url = args.redis_url
    if not url:
        from redis_server import RedisServer

        server = RedisServer().start()
        stack.append(server)
        url = server.url
    return f"{url}?prefix=soak-{uuid.uuid4().hex[:8]}:"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="ICE events (each a unique job)")
    parser.add_argument("--duplicates", type=float, default=0.3, help="share delivered a second time")
    parser.add_argument("--throttle", type=float, default=0.2, help="share of ICE calls throttled")
    parser.add_argument("--fail5xx", type=float, default=0.05, help="share of ICE calls answering 500")
    parser.add_argument("--malformed", type=float, default=0.02, help="share of events that are junk")
    parser.add_argument(
        "--hostile", type=float, default=0.0, help="share of events that are attacks (issue 9)"
    )
    parser.add_argument("--batches", type=float, default=0.1, help="share of payloads that are batches")
    parser.add_argument("--workers", type=int, default=4, help="worker processes (FC instances)")
    parser.add_argument("--store", choices=("sqlite", "redis"), default="sqlite")
    parser.add_argument("--redis-url", default=None, help="use this Redis instead of starting one")
    parser.add_argument("--max-attempts", type=int, default=8, help="deliveries of one payload at most")
    parser.add_argument("--redeliver-after-ms", type=float, default=200.0, help="delay before a redelivery")
    parser.add_argument(
        "--robot-fail", type=float, default=None, help="alerts also to a DingTalk robot failing so"
    )
    parser.add_argument("--webhook-fail", type=float, default=None, help="and to a webhook failing so often")
    parser.add_argument("--robot-per-minute", type=int, default=1000, help="the robot's rate window")
    parser.add_argument("--sink-retry-for", type=float, default=None, help="the HTTP sinks' retry budget (s)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    messages = build_messages(rng, args.events, args.malformed, args.hostile)
    sent = deliveries(rng, messages, args.duplicates)
    tasks = [(name, 0, payload) for name, payload in payloads(rng, sent, args.batches)]
    emulator = CountingEmulator().load_catalog(sample_catalog_path())
    emulator.inject("throttling", rate=args.throttle, seed=args.seed)
    emulator.inject("5xx", rate=args.fail5xx, seed=args.seed + 1)
    stack: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="playgate-soak-") as tmp, EmulatorServer(emulator) as server:
        folder = Path(tmp)
        http = {}
        try:
            if args.robot_fail is not None or args.webhook_fail is not None:
                args.robot_fail, args.webhook_fail = args.robot_fail or 0.0, args.webhook_fail or 0.0
                http = http_sinks(args, folder, stack)
            settings = local_settings(
                server.url,
                folder,
                **({"alert_sink": http["alert_sink"]} if http else {}),
                store=store_url(args, folder, stack),
                ice_timeout_s=5.0,
                ice_deadline_s=20.0,
                function_name="qc-gate-soak",
                log_level="error",
            )
            started = time.monotonic()
            with Workers(settings, args.workers, shared=True) as workers:
                ready = time.monotonic()
                runs = deliver_all(
                    workers,
                    tasks,
                    max_attempts=args.max_attempts,
                    redeliver_after_s=args.redeliver_after_ms / 1000,
                )
                wall = time.monotonic() - ready
            figures = report(messages, sent, runs, folder, wall)
            if http:
                figures.update(sink_report(read_lines(folder / "alerts.jsonl"), http["robot"], http["hook"]))
        finally:
            for server_ in stack:
                server_.stop()
    figures["worker start-up (s)"] = round(ready - started, 2)
    figures["ICE calls (faults answered)"] = f"{len(emulator.calls)} ({dict(emulator.faults)})"
    broken_sinks = figures.pop("_broken", 0)
    print(
        f"soak: --events {args.events} --duplicates {args.duplicates} --throttle {args.throttle} "
        f"--fail5xx {args.fail5xx} --hostile {args.hostile} --workers {args.workers} --store {args.store} "
        f"(seed {args.seed})"
        + (f" --robot-fail {args.robot_fail} --webhook-fail {args.webhook_fail}" if http else "")
    )
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"  {name:<{width}}  {value}")
    broken = (
        "lost",
        "duplicate CloudEvent ids",
        "duplicates published (same job twice)",
        "hostile items published",
    )
    failed = (
        any(figures[k] for k in broken) or figures["handler raised other than RetryLater"] or broken_sinks
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
