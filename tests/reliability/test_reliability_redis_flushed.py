"""Issue 9: Redis without persistence forgets every completed record on a restart or FLUSHALL.

Redeliveries then publish again (with the same CloudEvent ids), as the README's Guarantees say. playgate
cannot prevent that, but it notices: a marker key written at first use is gone, and it warns in the log.
"""

from __future__ import annotations

import json
import uuid

import redis

from playgate.testing.sample_events import callback
from redis_server import RedisServer


def log_events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_flushed_redis_store_is_detected_and_warned_about(make_world, capfd):
    with RedisServer() as server:
        world = make_world(store=f"{server.url}?prefix=flush-{uuid.uuid4().hex}:", log_level="info")
        world.runtime.gate.store.marker_check_s = 0  # check on every claim (30 s apart by default)
        payload = callback("ProduceMediaComplete", "job-before-flush", None, status="Fail", error=("E", "x"))

        assert world.send(payload)["results"][0]["status"] == "published"
        assert world.send(payload)["results"][0]["status"] == "duplicate"
        before = log_events(capfd.readouterr().out)
        assert not [e for e in before if e["event"] == "store.flushed"]

        admin = redis.Redis.from_url(server.url)
        admin.flushall()  # what a restart without persistence does
        admin.close()
        again = world.send(payload)

    assert again["results"][0]["status"] == "published", "the record is gone: the event publishes again"
    [first, second] = world.messages("alerts")
    assert first["id"] == second["id"], "with the same CloudEvent id, so consumers drop it"
    [warning] = [e for e in log_events(capfd.readouterr().out) if e["event"] == "store.flushed"]
    assert warning["level"] == "warning" and "persistence" in warning["detail"]
