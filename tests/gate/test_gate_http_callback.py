"""ICE's HTTP callback via an FC HTTP trigger: signed ones are gated, others refused; HTTP answers."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest

from playgate import handler as fc
from playgate.events import sign_http_callback
from playgate.testing.sample_events import callback, http_callback_trigger

URL = "https://qc-gate.example.com/ice/callback"
KEY = "PlaygateCallbackKey42"


def http_event(body: dict, *, timestamp: int | None = None, signature: str | None = None) -> bytes:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = signature or sign_http_callback(URL, timestamp, KEY)
    return http_callback_trigger(body, timestamp=timestamp, signature=signature)


@pytest.fixture
def http_function(function_env, emulator_server, monkeypatch):
    monkeypatch.setenv("PLAYGATE_CALLBACK_AUTH_KEY", KEY)
    monkeypatch.setenv("PLAYGATE_CALLBACK_URL", URL)
    context = SimpleNamespace(
        request_id="req-http",
        region="cn-shanghai",
        credentials=None,
        function=SimpleNamespace(name="qc-gate", timeout=30),
    )
    fc.initialize(context)
    return SimpleNamespace(context=context, folder=function_env, emulator=emulator_server.emulator)


def published(folder) -> list[dict]:
    path = folder / "playback.jsonl"
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line] if path.exists() else []


def test_a_signed_callback_is_gated_and_answered_200(http_function):
    answer = fc.handler(
        http_event(callback("MediaConvertComplete", "job-http-1", "media-ladder-ok")), http_function.context
    )

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["results"][0]["status"] == "published"
    assert [m["data"]["job_id"] for m in published(http_function.folder)] == ["job-http-1"]


@pytest.mark.parametrize(
    "forgery",
    [
        {"signature": "0" * 32},
        {"timestamp": int(time.time()) - 3600},  # signed correctly, but an hour old: a replay
    ],
    ids=["wrong signature", "stale timestamp"],
)
def test_an_unsigned_or_stale_callback_is_refused_401_and_nothing_is_fetched(http_function, forgery):
    event = http_event(callback("MediaConvertComplete", "job-forged", "media-ladder-ok"), **forgery)
    answer = fc.handler(event, http_function.context)

    assert answer["statusCode"] == 401
    assert published(http_function.folder) == []
    assert http_function.emulator.calls == []


def test_a_callback_that_must_be_retried_is_answered_503_so_ice_sends_it_again(http_function):
    http_function.emulator.inject("5xx", rate=1.0, seed=4)
    answer = fc.handler(
        http_event(callback("MediaConvertComplete", "job-http-503", "media-ladder-ok")), http_function.context
    )

    assert answer["statusCode"] == 503
    assert json.loads(answer["body"])["results"][0]["status"] == "retry"
    assert published(http_function.folder) == []


def test_settings_refuse_an_auth_key_without_the_url_it_signs():
    from pydantic import ValidationError

    from playgate.settings import Settings

    with pytest.raises(ValidationError, match="PLAYGATE_CALLBACK_URL"):
        Settings(callback_auth_key=KEY)
