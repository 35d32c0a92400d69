"""A hung PostgreSQL (SIGSTOP: connections accepted, nothing answered) holds no invocation past its deadline.

The same attack the Redis store passes in test_reliability_deadlines.py: the whole batch is handed back
for redelivery, nothing is published twice, and the redelivery publishes each event once.
"""

from __future__ import annotations

import json
from typing import Any

from reliability_workers import Context

from playgate.handler import RetryLater, handle_payload
from playgate.testing.sample_events import callback, mns_cloudevent
from postgres_server import PostgresServer


def failed_job(job_id: str) -> dict[str, Any]:
    return callback("ProduceMediaComplete", job_id, None, status="Fail", error=("E", "boom"))


def invoke(world, payload: Any, remaining_ms: int | None) -> dict[str, Any]:
    context = Context(remaining_ms=remaining_ms) if remaining_ms is not None else None
    try:
        return handle_payload(payload, runtime=world.runtime, context=context)
    except RetryLater as error:
        return {**error.summary, "retry": True}


def test_a_hung_postgresql_is_waited_for_only_until_the_deadline_for_a_whole_batch(make_world):
    with PostgresServer() as server:
        world = make_world(safety_margin_s=1.0, store=server.new_database_url())
        payload = [mns_cloudevent(json.dumps(failed_job(f"job-hung-pg-{i}")), f"m{i}") for i in range(3)]
        warm = invoke(world, failed_job("job-warm-up"), remaining_ms=2500)
        assert warm["results"][0]["status"] == "published"
        server.pause()
        try:
            summary = invoke(world, payload, remaining_ms=2500)
        finally:
            server.resume()

        assert summary.get("retry") is True, summary
        assert [r["status"] for r in summary["results"]] == ["retry"] * 3, summary["results"]
        assert {r["reason"] for r in summary["results"]} <= {"deadline_exceeded", "store_unavailable"}
        assert len(world.messages("alerts")) == 1
        again = invoke(world, payload, remaining_ms=None)
        assert [r["status"] for r in again["results"]] == ["published"] * 3, again
        assert len(world.messages("alerts")) == 4
