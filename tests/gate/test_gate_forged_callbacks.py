"""Forged callbacks through the FC entry point: replayed headers, unsigned or future-dated requests,
HTTP-shaped items in other envelopes, invented failures and invented media-information results."""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from types import SimpleNamespace

import pytest

from playgate import handler as fc
from playgate.events import sign_http_callback
from playgate.testing.sample_events import callback, http_callback_trigger, mns_cloudevent

URL = "https://qc-gate.example.com/ice/callback"
KEY = "PlaygateCallbackKey42"
LADDER = "media-ladder-ok"
FAILED_INFO_JOB = "5a3b0003000000000000000000000003"  # in the sample catalog: failed, on media-audio-only


def signed(body, *, timestamp: int | None = None) -> bytes:
    timestamp = int(time.time()) if timestamp is None else timestamp
    url = os.environ["PLAYGATE_CALLBACK_URL"]
    return http_callback_trigger(body, timestamp=timestamp, signature=sign_http_callback(url, timestamp, KEY))


def job(prefix: str = "job") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"  # the Redis server is shared by the whole session


def build(function_env, emulator_server, monkeypatch, **env: str) -> SimpleNamespace:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    context = SimpleNamespace(
        request_id="req-http", region="cn-shanghai", credentials=None, function=SimpleNamespace(timeout=30)
    )
    fc.initialize(context)
    return SimpleNamespace(
        context=context,
        folder=function_env,
        emulator=emulator_server.emulator,
        call=lambda event: fc.handler(event, context),
    )


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def http_function(request, function_env, emulator_server, monkeypatch):
    # one URL per test: signatures made in the same second by two tests would be one nonce in Redis
    env = {"PLAYGATE_CALLBACK_AUTH_KEY": KEY, "PLAYGATE_CALLBACK_URL": f"{URL}/{uuid.uuid4().hex[:8]}"}
    if request.param != "sqlite":
        env["PLAYGATE_STORE"] = request.getfixturevalue(f"{request.param}_url")
    return build(function_env, emulator_server, monkeypatch, **env)


def messages(folder, sink: str) -> list[dict]:
    path = folder / f"{sink}.jsonl"
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line] if path.exists() else []


def status(answer: dict) -> tuple[int, list[str]]:
    body = json.loads(answer["body"])
    return answer["statusCode"], [r["status"] for r in body.get("results", [])]


# --- replay -------------------------------------------------------------------------------------------
def test_captured_headers_replayed_with_another_body_are_refused(http_function):
    now = int(time.time())
    first = callback("MediaConvertComplete", job(), LADDER)
    forged = callback(
        "MediaConvertComplete", job("forged"), "media-audio-only", status="Fail", error=("X", "y")
    )

    assert status(http_function.call(signed(first, timestamp=now))) == (200, ["published"])
    answer = http_function.call(signed(forged, timestamp=now))

    assert answer["statusCode"] == 503  # not 401: a genuine second callback of that second is retried
    assert "used already" in json.loads(answer["body"])["error"]
    assert http_function.call(signed(forged, timestamp=now))["statusCode"] == 503
    assert [m["data"]["job_id"] for m in messages(http_function.folder, "playback")] == [
        first["MessageBody"]["JobId"]
    ]
    assert messages(http_function.folder, "alerts") == []


def test_a_callback_answered_503_is_accepted_when_ice_sends_the_same_request_again(http_function):
    request = signed(callback("MediaConvertComplete", job(), LADDER))
    http_function.emulator.inject("5xx", rate=1.0, seed=3)
    assert http_function.call(request)["statusCode"] == 503

    http_function.emulator.clear_faults()
    assert status(http_function.call(request)) == (200, ["published"])
    assert http_function.call(request)["statusCode"] == 503  # and then it is used


@pytest.mark.parametrize(("ahead_s", "code"), [(60, 401), (299, 401), (2, 200)])
def test_a_timestamp_from_the_future_is_accepted_only_by_seconds(http_function, ahead_s, code):
    request = signed(callback("MediaConvertComplete", job(), LADDER), timestamp=int(time.time()) + ahead_s)
    assert http_function.call(request)["statusCode"] == code


def test_the_bare_concatenation_signature_is_refused(http_function):
    now = int(time.time())
    bare = hashlib.md5(f"{os.environ['PLAYGATE_CALLBACK_URL']}{now}{KEY}".encode()).hexdigest()
    request = http_callback_trigger(
        callback("MediaConvertComplete", job(), LADDER), timestamp=now, signature=bare
    )

    assert http_function.call(request)["statusCode"] == 401
    assert http_function.emulator.calls == []


def test_a_request_too_large_for_an_ice_callback_is_refused_before_it_is_parsed(http_function):
    body = {"EventType": "MediaConvertComplete", "pad": "x" * (30 * 1024 * 1024)}
    answer = http_function.call(signed(body))

    assert answer["statusCode"] == 413
    assert http_function.emulator.calls == []
    assert messages(http_function.folder, "dead-letters") == []


# --- unsigned ---------------------------------------------------------------------------------------------
def test_without_an_auth_key_unsigned_callbacks_are_refused(function_env, emulator_server, monkeypatch):
    function = build(function_env, emulator_server, monkeypatch)
    answer = function.call(http_callback_trigger(callback("MediaConvertComplete", job(), LADDER)))

    assert answer["statusCode"] == 401
    assert "PLAYGATE_CALLBACK_ALLOW_UNSIGNED" in json.loads(answer["body"])["error"]
    assert messages(function.folder, "playback") == []
    assert function.emulator.calls == []


def test_unsigned_callbacks_are_accepted_only_when_the_operator_opts_in(
    function_env, emulator_server, monkeypatch
):
    function = build(function_env, emulator_server, monkeypatch, PLAYGATE_CALLBACK_ALLOW_UNSIGNED="true")
    answer = function.call(http_callback_trigger(callback("MediaConvertComplete", job(), LADDER)))

    assert status(answer) == (200, ["published"])


# --- an HTTP-shaped item in another envelope --------------------------------------------------------------
def test_an_http_shaped_item_inside_a_batch_is_checked_like_a_request(http_function):
    good = callback("MediaConvertComplete", job(), LADDER)
    unsigned = json.loads(http_callback_trigger(callback("MediaConvertComplete", job("unsigned"), LADDER)))
    wrong = json.loads(
        http_callback_trigger(
            callback("MediaConvertComplete", job("wrong"), LADDER), timestamp=1, signature="0" * 32
        )
    )
    right_body = callback("MediaConvertComplete", job("right"), LADDER)
    right = json.loads(signed(right_body))
    batch = [unsigned, mns_cloudevent(json.dumps(good), "b-1"), wrong, right]

    summary = json.loads(http_function.call(json.dumps(batch).encode()))

    results = summary["results"]
    assert [r["status"] for r in results] == ["dead_letter", "published", "dead_letter", "published"]
    assert {r.get("reason") for r in (results[0], results[2])} == {"unauthenticated_callback"}
    published = {m["data"]["job_id"] for m in messages(http_function.folder, "playback")}
    assert published == {good["MessageBody"]["JobId"], right_body["MessageBody"]["JobId"]}

    replay = [dict(right, body=json.loads(signed(callback("MediaConvertComplete", job(), LADDER)))["body"])]
    [again] = json.loads(http_function.call(json.dumps(replay).encode()))["results"]
    assert (again["status"], again["reason"]) == ("dead_letter", "unauthenticated_callback")


def test_an_http_trigger_without_request_context_is_still_checked(http_function):
    event = json.loads(http_callback_trigger(callback("MediaConvertComplete", job(), LADDER)))
    del event["requestContext"]

    summary = json.loads(http_function.call(json.dumps(event).encode()))

    assert [(r["status"], r["reason"]) for r in summary["results"]] == [
        ("dead_letter", "unauthenticated_callback")
    ]
    assert messages(http_function.folder, "playback") == []


# --- what ICE can confirm ---------------------------------------------------------------------------------
def test_a_failed_job_for_a_media_ice_does_not_know_is_not_alerted(http_function):
    forged = callback("MediaConvertComplete", job(), "media-invented", status="Fail", error=("X", "forged"))
    answer = http_function.call(signed(forged))

    assert status(answer) == (200, ["dead_letter"])
    assert json.loads(answer["body"])["results"][0]["reason"] == "unconfirmed_by_ice"
    assert messages(http_function.folder, "alerts") == []
    assert http_function.emulator.calls_to("GetMediaInfo")


def test_a_failed_job_for_a_media_ice_knows_is_alerted_after_asking_ice(http_function):
    failed = callback("MediaConvertComplete", job(), LADDER, status="Fail", error=("X", "failed"))
    assert status(http_function.call(signed(failed))) == (200, ["published"])

    [alert] = messages(http_function.folder, "alerts")
    assert alert["data"]["reason"] == "job_failed"
    assert http_function.emulator.calls_to("GetMediaInfo")


def invented_media_info_job(job_id: str) -> dict:
    return {
        "EventType": "MediaInfoJobComplete",
        "EventTime": "2024-05-01T08:48:14Z",
        "MessageBody": {
            "JobId": job_id,
            "Status": "Success",
            "Input": {"Type": "OSS", "Media": "oss://bucket/invented.mp4"},
            "MediaInfoProperty": {"FileBasicInfo": {"FileName": "invented.mp4", "Duration": "10"}},
        },
    }


def test_an_invented_media_information_result_is_replaced_by_what_ice_lists(http_function):
    failed = next(j for j in http_function.emulator.jobs if j["JobId"] == FAILED_INFO_JOB)
    job_id = uuid.uuid4().hex
    http_function.emulator.add_job(dict(failed, JobId=job_id))  # ICE: this job failed
    payload = mns_cloudevent(json.dumps(invented_media_info_job(job_id)), "mi-1")  # the event: it passed

    summary = json.loads(http_function.call(json.dumps(payload).encode()))

    assert [r["status"] for r in summary["results"]] == ["published"]
    assert messages(http_function.folder, "playback") == []
    [alert] = messages(http_function.folder, "alerts")
    assert (alert["data"]["job_id"], alert["data"]["reason"]) == (job_id, "job_failed")
    assert alert["data"]["media_id"] == "media-audio-only"  # ICE's, not the event's


def test_a_media_information_job_ice_does_not_list_is_not_published(http_function):
    payload = mns_cloudevent(json.dumps(invented_media_info_job(uuid.uuid4().hex)), "mi-2")
    summary = json.loads(http_function.call(json.dumps(payload).encode()))

    assert [(r["status"], r["reason"]) for r in summary["results"]] == [("dead_letter", "unconfirmed_by_ice")]
    assert messages(http_function.folder, "playback") == messages(http_function.folder, "alerts") == []
