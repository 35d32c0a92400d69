"""Issue 9, deadlines: with a few seconds left in FC, no wait outlives the function.

Each attack is the one that used to hang: a SQLite file locked by another process (the claim waited 5 s),
a hung Redis (18.5 s for one item, 55.5 s for three), an MNS server answering one byte at a time (109 s)
and a batch far larger than the time left (it went on claiming past the deadline). Each now ends with the
unfinished items handed back for redelivery, and the redelivery publishes each once. No wall-clock
assertion: each test checks the outcome and the wait each part was given (never past the gate's
deadline); ``bench/bench_deadlines.py`` prints how long each invocation took.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
import trustme
from reliability_workers import Context

from gate_world import GateWorld
from playgate.handler import RetryLater, handle_payload
from playgate.testing.mns_server import MnsServer
from playgate.testing.sample_events import callback, mns_cloudevent
from redis_server import RedisServer
from waiting import sqlite_lock_wait_ms

TIME_LEFT_MS = 2500  # what FC says is left when the invocation starts
MARGIN_S = 1.0  # PLAYGATE_SAFETY_MARGIN_S: the gate's deadline is 1.5 s in
GATE_BUDGET_S = TIME_LEFT_MS / 1000 - MARGIN_S  # no wait may be given more than this


def failed_job(job_id: str) -> dict[str, Any]:
    """A failed job alerts without asking ICE: only the store and the alert sink are waited for."""
    return callback("ProduceMediaComplete", job_id, None, status="Fail", error=("E", "boom"))


def batch(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An EventBridge batch of MNS queue messages."""
    return [mns_cloudevent(json.dumps(e), f"msg-{i}") for i, e in enumerate(events)]


def invoke(world: GateWorld, payload: Any, remaining_ms: int | None = TIME_LEFT_MS) -> dict[str, Any]:
    context = Context(remaining_ms=remaining_ms) if remaining_ms is not None else None
    try:
        return handle_payload(payload, runtime=world.runtime, context=context)
    except RetryLater as error:
        return {**error.summary, "retry": True}


def assert_all_retried(summary: dict[str, Any], count: int, reason: str) -> None:
    assert summary.get("retry") is True, summary
    assert [(r["status"], r["reason"]) for r in summary["results"]] == [("retry", reason)] * count, summary


def test_a_sqlite_file_locked_by_another_process_is_waited_for_only_until_the_deadline(make_world, tmp_path):
    world = make_world(safety_margin_s=MARGIN_S)
    payload = failed_job("job-sqlite-locked")
    locker = sqlite3.connect(tmp_path / "store.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock (the default wait is 5 s)
    try:
        summary = invoke(world, payload)
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    assert_all_retried(summary, 1, "store_unavailable")  # SQLite gave up waiting for the lock
    assert sqlite_lock_wait_ms(world.runtime.gate.store) <= GATE_BUDGET_S * 1000, (
        "told to wait for the lock past the deadline"
    )
    assert world.messages("alerts") == []
    again = invoke(world, payload)
    assert again["results"][0]["status"] == "published"
    assert len(world.messages("alerts")) == 1


def test_a_hung_redis_is_waited_for_only_until_the_deadline_for_a_whole_batch(make_world, redis_waits):
    with RedisServer() as redis:
        store = f"{redis.url}?prefix=hung-{uuid.uuid4().hex}:"
        world = make_world(safety_margin_s=MARGIN_S, store=store)
        payload = batch([failed_job(f"job-hung-redis-{i}") for i in range(3)])
        warm = invoke(world, failed_job("job-warm-up"))  # a kept-alive connection hangs too
        assert warm["results"][0]["status"] == "published"
        redis.pause()  # connections are accepted by the kernel, nothing is ever answered
        redis_waits.clear()
        try:
            summary = invoke(world, payload)
        finally:
            redis.resume()

        assert_all_retried(summary, 3, "deadline_exceeded")
        assert redis_waits and max(redis_waits) <= GATE_BUDGET_S, (
            f"socket waits past the deadline: {redis_waits}"
        )
        assert len(world.messages("alerts")) == 1
        # a claim sent on the kept-alive connection runs once Redis wakes up; it expires shortly after the
        # deadline, and the redelivery (with time to wait for that) takes it over
        again = invoke(world, payload, remaining_ms=None)
        assert [r["status"] for r in again["results"]] == ["published"] * 3, again
        assert len(world.messages("alerts")) == 4


@pytest.fixture
def self_signed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A certificate for 127.0.0.1 from a throw-away CA that this process trusts (SSL_CERT_FILE)."""
    authority = trustme.CA()
    server = tmp_path / "server.pem"
    authority.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(server))
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return str(server), str(server)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_an_mns_server_trickling_its_answer_is_cut_at_the_deadline(make_world, request, scheme):
    tls = request.getfixturevalue("self_signed") if scheme == "https" else None
    with MnsServer(queues=["alerts"], tls=tls) as mns:
        assert mns.endpoint.startswith(f"{scheme}://")
        world = make_world(
            safety_margin_s=MARGIN_S,
            mns_endpoint=mns.endpoint,
            alert_sink="mns-queue://alerts?timeout=5",  # each read would wait up to 5 s: not the bound
        )
        payload = failed_job(f"job-trickling-mns-{scheme}")
        # each byte well within the 5 s read timeout; the answer (a few hundred bytes) would take some 10 s:
        # only a bound on the whole send stops it before it is accepted
        mns.trickle_s = 0.03

        summary = invoke(world, payload)

        assert_all_retried(summary, 1, "sink_unavailable")
        mns.trickle_s = 0.0
        again = invoke(world, payload)
        assert again["results"][0]["status"] == "published", again
        # the cut-off send reached the server before its answer trickled: the same CloudEvent id twice
        ids = {json.loads(body)["id"] for body in mns.messages("alerts")}
        assert len(ids) == 1


def test_a_batch_larger_than_the_time_left_claims_nothing_past_the_deadline_and_loses_nothing(make_world):
    world = make_world(safety_margin_s=MARGIN_S)
    count, time_left_ms = 3000, 1500  # the deadline is 0.5 s in: some hundred items fit, not 3,000
    payload = batch([failed_job(f"job-big-batch-{i}") for i in range(count)])

    summary = invoke(world, payload, remaining_ms=time_left_ms)

    statuses = [r["status"] for r in summary["results"]]
    published = statuses.count("published")
    assert summary.get("retry") is True and published < count, f"{published} of {count} in time"
    assert set(statuses) <= {"published", "retry"}
    late = [r for r in summary["results"] if r["status"] == "retry"]
    assert {r["reason"] for r in late} == {"deadline_exceeded"}
    store = world.runtime.gate.store
    assert all(store.get(r["key"]) is None for r in late), "no claim was left behind for a late item"

    again = invoke(world, payload, remaining_ms=None)  # the redelivery, with time enough
    alerts = world.messages("alerts")
    assert len(alerts) == count and len({a["id"] for a in alerts}) == count
    assert [r["status"] for r in again["results"]].count("duplicate") == published
