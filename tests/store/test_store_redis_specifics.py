"""What only the Redis store does: one round trip per claim, server-side expiry, failover, outages."""

from __future__ import annotations

import socket
import uuid

import pytest
import redis
from redis.connection import AbstractConnection

from playgate.errors import StoreUnavailable
from playgate.store import ClaimStatus
from playgate.store.redis import RedisStore


@pytest.fixture
def admin(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def rstore(redis_url):
    store = RedisStore(redis_url, prefix=f"spec-{uuid.uuid4().hex}:")
    yield store
    store.close()


@pytest.fixture
def sent(monkeypatch):
    """Every command (or pipeline) a Redis client in this process sends to a server."""
    packets: list[object] = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        packets.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return packets


def test_every_claim_answer_takes_exactly_one_round_trip(rstore, sent):
    warm = rstore.claim("warm-up", in_progress_ttl_s=60)  # connect, CLIENT SETINFO, load the script
    rstore.complete("warm-up", warm.token, {"ok": True}, ttl_s=60)
    sent.clear()
    answers = [rstore.claim(key, in_progress_ttl_s=60).status for key in ("new", "new", "warm-up")]
    assert answers == [ClaimStatus.ACQUIRED, ClaimStatus.IN_PROGRESS, ClaimStatus.COMPLETED]
    assert len(sent) == 3
    assert all(b"EVALSHA" in bytes(packet[0] if isinstance(packet, list) else packet) for packet in sent)


def test_in_progress_and_completed_records_expire_on_the_server(rstore, admin):
    claim = rstore.claim("k", in_progress_ttl_s=30)
    record = f"{rstore.prefix}idem:k"
    assert 0 < admin.pttl(record) <= 30_000
    assert admin.hget(record, "status") == "INPROGRESS"
    rstore.complete("k", claim.token, {"ok": True}, ttl_s=7 * 24 * 3600)
    assert 7 * 24 * 3600 * 1000 - 60_000 < admin.pttl(record) <= 7 * 24 * 3600 * 1000
    assert admin.hget(record, "status") == "COMPLETED"


def test_a_claim_retried_after_a_lost_reply_is_still_the_callers(rstore):
    first = rstore.claim("k", in_progress_ttl_s=60)
    retried = rstore._claim(keys=[f"{rstore.prefix}idem:k"], args=[first.token, 60_000])
    assert retried[0] == "ACQUIRED"
    assert rstore.claim("k", in_progress_ttl_s=60).status is ClaimStatus.IN_PROGRESS


def test_claims_keep_working_after_a_failover_emptied_the_script_cache(rstore, admin):
    rstore.claim("before", in_progress_ttl_s=60)
    admin.script_flush()
    claim = rstore.claim("after", in_progress_ttl_s=60)
    assert claim.status is ClaimStatus.ACQUIRED
    rstore.complete("after", claim.token, {"ok": True}, ttl_s=60)
    assert rstore.get("after").outcome == {"ok": True}


def test_keys_live_under_the_prefix_given_in_the_url(redis_url, admin):
    prefix = f"tenant-{uuid.uuid4().hex}:"
    store = RedisStore(f"{redis_url}?prefix={prefix}")
    try:
        store.claim("k", in_progress_ttl_s=60)
        store.set_value("watermark", "42")
    finally:
        store.close()
    assert sorted(admin.keys(f"{prefix}*")) == [
        f"{prefix}idem:k",
        f"{prefix}value:store-created",  # the marker that tells a flushed store
        f"{prefix}value:watermark",
    ]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("call", ["claim", "complete", "release", "get", "get_value", "set_value"])
def test_an_unreachable_server_is_retryable_and_the_password_stays_out_of_the_message(call):
    store = RedisStore(f"redis://:s3cret-pass-word@127.0.0.1:{_closed_port()}/0", connect_timeout_s=0.5)
    calls = {
        "claim": lambda: store.claim("k", in_progress_ttl_s=60),
        "complete": lambda: store.complete("k", "t", {}, ttl_s=60),
        "release": lambda: store.release("k", "t"),
        "get": lambda: store.get("k"),
        "get_value": lambda: store.get_value("w"),
        "set_value": lambda: store.set_value("w", "1"),
    }
    with pytest.raises(StoreUnavailable) as raised:
        calls[call]()
    message = str(raised.value)
    assert raised.value.retryable
    assert f"{call} failed" in message
    assert "s3cret-pass-word" not in message
    assert "redis://:***@127.0.0.1" in message
    assert "s3cret-pass-word" not in repr(store)
