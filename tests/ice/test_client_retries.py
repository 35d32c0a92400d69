"""The client retries throttling, 5xx, malformed answers and timeouts, inside its budget and the deadline."""

from __future__ import annotations

import time

import pytest

from playgate.errors import DeadlineExceeded, IceUnavailable


@pytest.mark.parametrize("kind", ["throttling", "5xx", "malformed_json"])
def test_transient_faults_are_retried_until_the_call_succeeds(catalog_server, make_client, kind):
    catalog_server.emulator.inject(kind, next_n=2)
    client = make_client(catalog_server.url)
    body = client.get_media_info("media-ladder-ok")
    assert body["MediaInfo"]["MediaId"] == "media-ladder-ok"
    assert len(catalog_server.emulator.calls_to("GetMediaInfo")) == 3


def test_a_read_timeout_is_retried_and_the_next_attempt_succeeds(catalog_server, make_client):
    catalog_server.emulator.timeout_delay_s = 0.6
    catalog_server.emulator.inject("timeout", next_n=1)
    client = make_client(catalog_server.url, timeout_s=0.2)
    snap = client.fetch("media-ladder-ok")
    assert len(snap.renditions) == 4
    assert len(catalog_server.emulator.calls) == 3  # one of the two calls timed out once


def test_faults_that_outlast_the_attempts_raise_ice_unavailable_naming_the_last_error(
    catalog_server, make_client
):
    catalog_server.emulator.inject("throttling", rate=1.0)
    client = make_client(catalog_server.url, max_attempts=3)
    with pytest.raises(IceUnavailable) as info:
        client.get_play_info("media-ladder-ok")
    message = str(info.value)
    assert "GetPlayInfo" in message and "media-ladder-ok" in message
    assert "Throttling.User" in message and "3 attempt(s)" in message
    assert info.value.retryable and info.value.code == "Throttling.User" and info.value.request_id
    assert len(catalog_server.emulator.calls) == 3


def test_no_call_starts_when_the_deadline_leaves_no_time(catalog_server, make_client):
    client = make_client(catalog_server.url)
    with pytest.raises(DeadlineExceeded) as info:
        client.fetch("media-ladder-ok", deadline=time.monotonic() + 0.01)
    assert "no attempt could start" in str(info.value)
    assert catalog_server.emulator.calls == []


class FakeTime:
    """A clock that only moves when the client sleeps, so backoff arithmetic is checked exactly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_backoff_sleeps_never_run_past_the_deadline(catalog_server, make_client):
    fake = FakeTime()
    catalog_server.emulator.inject("5xx", rate=1.0)
    client = make_client(
        catalog_server.url, sleep=fake.sleep, clock=fake.clock, max_attempts=50, base_s=0.2, cap_s=5
    )
    deadline = fake.now + 1.0
    with pytest.raises(DeadlineExceeded) as info:
        client.get_media_info("media-ladder-ok", deadline=deadline)
    assert fake.now <= deadline
    assert sum(fake.sleeps) <= 1.0
    assert len(catalog_server.emulator.calls) == len(fake.sleeps) + 1
    assert "InternalError" in str(info.value)


def test_backoff_grows_exponentially_with_full_jitter_and_is_capped(catalog_server, make_client):
    fake = FakeTime()
    catalog_server.emulator.inject("throttling", next_n=5)
    client = make_client(
        catalog_server.url, sleep=fake.sleep, clock=fake.clock, max_attempts=6, base_s=0.1, cap_s=0.3
    )
    client.get_media_info("media-ladder-ok")
    ceilings = [0.1, 0.2, 0.3, 0.3, 0.3]
    assert len(fake.sleeps) == 5
    assert all(0 <= s <= c for s, c in zip(fake.sleeps, ceilings, strict=True))
