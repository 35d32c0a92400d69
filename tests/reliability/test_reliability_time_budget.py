"""The FC time budget: no ICE call or publish outlives the function; a crashed instance's claim expires.

No wall-clock assertion: the tests check the outcome and the time each call was given; how long the
invocations take is printed by ``bench/bench_deadlines.py``.
"""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from reliability_workers import Context, crash_mid_event

from gate_world import GateWorld, local_settings
from playgate.events import decode
from playgate.store import ClaimStatus, open_store
from playgate.testing.mns_server import MnsServer
from playgate.testing.sample_events import callback
from waiting import eventually

LADDER = "media-ladder-ok"
SLOW_S = 3.0  # an answer that comes this late is too late for every invocation below


def invoke(world: GateWorld, payload: Any, context: Any) -> dict[str, Any]:
    """One FC invocation with ``context``; returns its summary."""
    from playgate.handler import RetryLater, handle_payload

    try:
        return handle_payload(payload, runtime=world.runtime, context=context)
    except RetryLater as error:
        return {**error.summary, "retry": True}


@pytest.fixture
def ice_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The time limit of every ICE request sent (seconds): what each call to ICE was allowed to wait."""
    from playgate.ice.transport import Transport

    given: list[float] = []
    call_all = Transport.call_all

    def recorded(transport: Transport, calls: list, timeout_s: float) -> list:
        given.append(timeout_s)
        return call_all(transport, calls, timeout_s)

    monkeypatch.setattr(Transport, "call_all", recorded)
    return given


def key_of(payload: Any) -> str:
    [event] = decode(payload)
    return event.idempotency_key


def record(world: GateWorld, key: str) -> Any:
    store = open_store(world.runtime.settings.store)
    try:
        return store.get(key)
    finally:
        store.close()


def assert_retried_with_nothing_published(world: GateWorld, summary: dict[str, Any], key: str) -> None:
    assert summary.get("retry") is True, summary
    [result] = summary["results"]
    assert (result["status"], result["reason"]) == ("retry", "deadline_exceeded"), result
    assert world.messages("playback") == world.messages("alerts") == []
    assert record(world, key) is None, "the claim is released: a redelivery can take the event at once"


# FC's two ways of telling the time: the time left (FC 2.0/3.0) and the function's timeout in seconds.
CONTEXTS = {
    "remaining time": (lambda: Context(remaining_ms=1500), 1.5, 1.0),
    "function timeout": (lambda: SimpleNamespace(function=SimpleNamespace(timeout=2)), 2.0, 1.5),
}


@pytest.mark.parametrize("kind", CONTEXTS)
def test_an_ice_call_slower_than_the_time_left_is_cut_off_and_the_event_is_retried_at_once(
    make_world, ice_waits, kind
):
    make_context, time_left_s, margin_s = CONTEXTS[kind]
    world = make_world(safety_margin_s=margin_s, ice_timeout_s=5.0)
    payload = callback("MediaConvertComplete", "job-slow-ice", LADDER)
    world.emulator.latency_s = SLOW_S

    summary = invoke(world, payload, make_context())

    assert_retried_with_nothing_published(world, summary, key_of(payload))
    assert world.emulator.calls_to("GetMediaInfo"), "the call started: it had time to finish if ICE was quick"
    budget_s = time_left_s - margin_s  # the gate's deadline: ice_timeout_s (5 s) must not reach past it
    assert ice_waits and max(ice_waits) <= budget_s, f"ICE calls allowed {ice_waits} s of {budget_s} s"
    world.emulator.latency_s = 0.0
    again = invoke(world, payload, make_context())
    assert again["results"][0]["status"] == "published"
    assert len(world.messages("playback")) == 1


def test_no_ice_call_starts_when_only_the_safety_margin_is_left(make_world):
    world = make_world(safety_margin_s=1.0)
    payload = callback("MediaConvertComplete", "job-no-time", LADDER)

    summary = invoke(world, payload, Context(remaining_ms=900))

    assert_retried_with_nothing_published(world, summary, key_of(payload))
    assert world.emulator.calls == []


def test_no_publish_starts_when_only_the_safety_margin_is_left(make_world):
    world = make_world(safety_margin_s=1.0)
    payload = callback("ProduceMediaComplete", "job-failed-late", None, status="Fail", error=("E", "boom"))

    summary = invoke(world, payload, Context(remaining_ms=900))

    assert_retried_with_nothing_published(world, summary, key_of(payload))
    assert world.emulator.calls == [], "a failed job alerts without asking ICE"


def test_a_publish_slower_than_the_time_left_is_cut_off_before_the_function_times_out(make_world):
    with MnsServer(queues=["alerts"]) as mns:
        world = make_world(safety_margin_s=1.0, mns_endpoint=mns.endpoint, alert_sink="mns-queue://alerts")
        payload = callback("ProduceMediaComplete", "job-slow-sink", None, status="Fail", error=("E", "boom"))
        mns.latency_s = SLOW_S  # within the sink's own 5 s timeout: only the deadline (1.5 s in) cuts it

        summary = invoke(world, payload, Context(remaining_ms=2500))

        assert summary.get("retry") is True, summary
        assert [(r["status"], r["reason"]) for r in summary["results"]] == [("retry", "sink_unavailable")]
        assert record(world, key_of(payload)) is None


# A crashed invocation's claim: FC's time left bounds it, else PLAYGATE_IN_PROGRESS_TTL_S (3 s here); both
# outlive the impatient delivery's look at the claim by far.
CRASHES = {"FC context": ({"safety_margin_s": 0.5}, 2000), "no context": ({"in_progress_ttl_s": 3}, None)}


@pytest.mark.parametrize("kind", CRASHES)
def test_a_crashed_invocations_claim_expires_and_a_later_delivery_publishes_once(
    make_world, emulator_server, store_url, tmp_path: Path, kind
):
    """kill -9 in the middle of an event, on every store (``store_url``'s params)."""
    overrides, remaining_ms = CRASHES[kind]
    overrides = {**overrides, "store": store_url}
    payload = callback("MediaConvertComplete", "job-crashed", LADDER)
    key = key_of(payload)
    emulator = emulator_server.emulator
    emulator.latency_s = 30.0  # the crashing instance hangs in its ICE call until it is killed
    settings = local_settings(emulator_server.url, tmp_path, log_level="error", **overrides)
    crashing = mp.get_context("spawn").Process(target=crash_mid_event, args=(settings, payload, remaining_ms))
    crashing.start()
    try:
        eventually(lambda: emulator.calls_to("GetMediaInfo"), timeout_s=60)
        assert record_status(settings.store, key) is ClaimStatus.IN_PROGRESS
    finally:
        crashing.kill()
        crashing.join()
    emulator.latency_s = 0.0

    impatient = make_world(in_progress_wait_s=0, **overrides).send(payload)
    assert impatient.get("retry") is True
    assert impatient["results"][0]["reason"] == "in_progress_elsewhere", "never acknowledged while held"

    later = make_world(in_progress_wait_s=10, **overrides).send(payload)
    assert later["results"][0]["status"] == "published", later
    [message] = make_world(**overrides).messages("playback")
    assert message["data"]["job_id"] == "job-crashed"


def record_status(store_url: str, key: str) -> ClaimStatus | None:
    store = open_store(store_url)
    try:
        claim = store.get(key)
        return claim.status if claim else None
    finally:
        store.close()
