"""A sink that is down, in a batch: a best-effort robot takes one short try and is then left alone for a
while, so every event is still published; a required sink that keeps failing ends the batch at once and
the whole batch comes back, instead of each event spending the invocation on it."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

from publish_helpers import alert_event, make_settings

from gate_world import GateWorld
from playgate.handler import RetryLater, handle_payload
from playgate.publish import Publisher
from playgate.publish.publisher import BENCH_S, BEST_EFFORT_SHARE
from playgate.testing.receivers import Answer, Receiver
from playgate.testing.sample_events import callback, mns_cloudevent

HOOK_KEY = "whsec_" + base64.b64encode(b"outage-test-webhook-key-32bytes!").decode()


@dataclass
class Context:
    """FC's context as the handler reads it: the time left in the invocation."""

    remaining_ms: int
    request_id: str = "req-outage"
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.remaining_ms - (time.monotonic() - self.started) * 1000))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def failed_jobs(prefix: str, count: int) -> list[dict[str, Any]]:
    """An EventBridge batch of failed jobs: each alerts without asking ICE."""
    events = [
        callback("ProduceMediaComplete", f"{prefix}-{i}", None, status="Fail", error=("E", "boom"))
        for i in range(count)
    ]
    return [mns_cloudevent(json.dumps(e), f"msg-{i}") for i, e in enumerate(events)]


def invoke(world: GateWorld, payload: Any, remaining_ms: int) -> dict[str, Any]:
    try:
        return handle_payload(payload, runtime=world.runtime, context=Context(remaining_ms))
    except RetryLater as error:
        return {**error.summary, "retry": True}


def robot_url(robot: Receiver, options: str = "") -> str:
    return f"dingtalk+http://{robot.url.removeprefix('http://')}/robot/send?access_token=tok-outage{options}"


def test_a_best_effort_robot_that_is_down_does_not_cost_the_batch_its_events(make_world, robot, tmp_path):
    robot.ok = Answer(503, {"message": "down"})
    alerts = f"jsonl://{tmp_path}/alerts.jsonl,{robot_url(robot, '#best_effort=true')}"
    world = make_world(alert_sink=alerts, safety_margin_s=1.0)
    summary = invoke(world, failed_jobs("job-robot-down", 5), remaining_ms=20_000)
    assert "retry" not in summary, summary["results"]
    assert [r["status"] for r in summary["results"]] == ["published"] * 5
    assert len(world.messages("alerts")) == 5
    tried = {r.json()["markdown"]["text"].count("job-robot-down-0") > 0 for r in robot.requests}
    assert tried == {True}, "only the first event tried the robot; the others left it alone"


def test_a_required_sink_that_keeps_failing_ends_the_batch_and_the_redelivery_completes_it(
    make_world, hook, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOOK_KEY", HOOK_KEY)
    hook.ok = Answer(503, {"message": "down"})
    alerts = f"jsonl://{tmp_path}/alerts.jsonl,{hook.url}/in#secret=${{HOOK_KEY}}&retry_for=0.5"
    world = make_world(alert_sink=alerts, safety_margin_s=1.0)
    payload = failed_jobs("job-hook-down", 5)
    summary = invoke(world, payload, remaining_ms=30_000)
    assert summary["retry"] is True
    reasons = [r["reason"] for r in summary["results"]]
    assert reasons == ["sink_unavailable"] + ["sink_down_earlier_in_batch"] * 4
    assert len({r.headers["webhook-id"] for r in hook.requests}) == 1, "one event tried the sink"
    assert len(world.messages("alerts")) == 1  # the first one's primary copy; the others never started

    hook.ok = Answer(204, b"")
    again = invoke(world, payload, remaining_ms=30_000)
    assert [r["status"] for r in again["results"]] == ["published"] * 5
    assert len(world.messages("alerts")) == 5, "the redelivery did not copy the first alert twice"
    assert len({r.headers["webhook-id"] for r in hook.accepted()}) == 5


def test_a_best_effort_send_gets_a_share_of_the_time_left_and_a_failed_sink_rests(robot, tmp_path):
    clock = Clock()
    robot.ok = Answer(503, {})
    sinks = f"jsonl://{tmp_path}/a.jsonl,{robot_url(robot, '#best_effort=true')}"
    publisher = Publisher(make_settings(alert_sink=sinks), clock=clock)
    sent: list[float | None] = []
    sink = publisher.sink("alert_sink", robot_url(robot, "#"))
    send = sink.send
    sink.send = lambda event, timeout_s=None: (sent.append(timeout_s), send(event, timeout_s=timeout_s))

    publisher.publish(alert_event(), deadline=clock.now + 20)
    assert sent == [20 * BEST_EFFORT_SHARE] and robot.requests
    tried = len(robot.requests)
    publisher.publish(alert_event(), deadline=clock.now + 20)  # benched: not tried
    assert len(sent) == 1 and len(robot.requests) == tried
    clock.now += BENCH_S
    robot.ok = Answer()
    publisher.publish(alert_event(), deadline=clock.now + 20)
    assert len(sent) == 2 and robot.accepted()
