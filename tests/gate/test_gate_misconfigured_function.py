"""A function that is set up wrong (a wrong key or secret, an expired STS token, a role without ICE
permissions) never uses up an event: the FC handler releases the claim, records and publishes nothing,
stops the batch, says what to fix in one log line and fails the invocation; once fixed, the same event
is gated. Through the FC entry points, the real transport over HTTP to the emulator, SQLite and Redis."""

from __future__ import annotations

import json
import os
import uuid
from types import SimpleNamespace

import pytest

import playgate.handler as fc
from playgate.handler import RetryLater
from playgate.store import open_store
from playgate.testing.sample_events import callback, mns_cloudevent


def _context(**extra) -> SimpleNamespace:
    """What FC passes: request id, region, the function's timeout and the time left."""
    return SimpleNamespace(
        request_id=f"req-{uuid.uuid4().hex[:8]}",
        region="cn-shanghai",
        function=SimpleNamespace(name="qc-gate", timeout=60),
        get_remaining_time_in_millis=lambda: 60_000,
        **extra,
    )


def _batch(*media: str) -> tuple[bytes, list[str]]:
    """An EventBridge batch of MNS messages, one callback per media, and the idempotency keys."""
    run = uuid.uuid4().hex[:8]
    items, keys = [], []
    for number, media_id in enumerate(media):
        job = f"job-{run}-{number}"
        items.append(mns_cloudevent(json.dumps(callback("RegisterMediaComplete", job, media_id)), job))
        keys.append(f"register:{job}:{media_id}")
    return json.dumps(items).encode(), keys


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _messages(folder, sink: str) -> list[dict]:
    path = folder / f"{sink}.jsonl"
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line] if path.exists() else []


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request, function_env, monkeypatch) -> str:
    if request.param == "redis":
        url = f"{request.getfixturevalue('redis_url')}?prefix=misconfigured-{uuid.uuid4().hex}:"
        monkeypatch.setenv("PLAYGATE_STORE", url)
    monkeypatch.setenv("PLAYGATE_LOG_LEVEL", "warning")
    return os.environ["PLAYGATE_STORE"]


def _assert_handed_back(call, folder, store_url: str, keys: list[str], capsys) -> dict:
    """The invocation failed, nothing was recorded or published, one error line says what to fix."""
    with pytest.raises(RetryLater) as raised:
        call()
    assert [r["status"] for r in raised.value.summary["results"]] == ["retry"] * len(keys)
    assert _messages(folder, "alerts") == [] and _messages(folder, "playback") == []
    assert _messages(folder, "dead-letters") == []
    store = open_store(store_url)
    try:
        assert [store.get(key) for key in keys] == [None] * len(keys)  # released, not completed
    finally:
        store.close()
    out = capsys.readouterr().out
    errors = [line for line in _lines(out) if line["level"] == "error"]
    assert [line["event"] for line in errors] == ["function.misconfigured"]
    assert "Traceback" not in out
    return errors[0]


def test_a_wrong_access_key_hands_the_batch_back_and_the_fixed_function_gates_it(
    function_env, emulator_server, store_url, monkeypatch, capsys
):
    monkeypatch.setenv("PLAYGATE_ACCESS_KEY_ID", "LTAI5tNotTheFunctionsKey")
    payload, keys = _batch("media-ladder-ok", "media-image")
    context = _context()

    line = _assert_handed_back(lambda: fc.handler(payload, context), function_env, store_url, keys, capsys)
    assert line["code"] == "InvalidAccessKeyId.NotFound"
    assert "fix PLAYGATE_ACCESS_KEY_ID/PLAYGATE_ACCESS_KEY_SECRET" in line["error"]
    assert emulator_server.env["PLAYGATE_ACCESS_KEY_SECRET"] not in json.dumps(line)
    # the second media was not tried: the batch stopped at the first refusal
    assert {c.params.get("MediaId") for c in emulator_server.emulator.calls} == {"media-ladder-ok"}

    # the key is fixed: FC starts new instances, EventBridge delivers the same batch again
    monkeypatch.setenv("PLAYGATE_ACCESS_KEY_ID", emulator_server.env["PLAYGATE_ACCESS_KEY_ID"])
    monkeypatch.setattr(fc, "_runtime", None)
    summary = json.loads(fc.handler(payload, context))
    assert [r["status"] for r in summary["results"]] == ["published", "published"]
    assert sorted(m["subject"] for m in _messages(function_env, "playback")) == [
        "media-image",
        "media-ladder-ok",
    ]


def test_an_expired_sts_token_in_the_fc_context_is_handed_back_until_fc_passes_a_fresh_one(
    function_env, emulator_server, store_url, monkeypatch, capsys
):
    for name in ("PLAYGATE_ACCESS_KEY_ID", "PLAYGATE_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name)
    emulator_server.emulator.add_access_key("STS.role-key", "role-secret", security_token="CAIS-fresh")

    def role(token: str) -> SimpleNamespace:
        creds = SimpleNamespace(
            access_key_id="STS.role-key", access_key_secret="role-secret", security_token=token
        )
        return _context(credentials=creds)

    payload, keys = _batch("media-ladder-ok")
    stale = role("CAIS-expired")
    fc.initialize(stale)
    line = _assert_handed_back(lambda: fc.handler(payload, stale), function_env, store_url, keys, capsys)
    assert line["code"] == "InvalidSecurityToken.Expired" and "CAIS-expired" not in json.dumps(line)
    assert "renew the function's role" in line["error"]

    summary = json.loads(fc.handler(payload, role("CAIS-fresh")))  # the next invocation's credentials
    assert [r["status"] for r in summary["results"]] == ["published"]
    assert [m["subject"] for m in _messages(function_env, "playback")] == ["media-ladder-ok"]


def test_a_role_without_ice_permission_is_not_an_alert_about_the_media(
    function_env, emulator_server, store_url, capsys
):
    emulator_server.emulator.inject("403", rate=1.0, actions=["GetMediaInfo"])  # Forbidden.RAM
    payload, keys = _batch("media-image")
    context = _context()

    line = _assert_handed_back(lambda: fc.handler(payload, context), function_env, store_url, keys, capsys)
    assert line["code"] == "Forbidden.RAM" and "grant ice:GetMediaInfo" in line["error"]

    emulator_server.emulator.clear_faults()  # the RAM policy is granted
    summary = json.loads(fc.handler(payload, context))
    assert [r["status"] for r in summary["results"]] == ["published"]
    assert [m["subject"] for m in _messages(function_env, "playback")] == ["media-image"]


def test_an_unknown_media_still_alerts_and_completes_its_record(function_env, emulator_server, store_url):
    """The one kind of ICE refusal that is the media's own: recorded once, not handed back."""
    payload, _ = _batch("no-such-media")
    summary = json.loads(fc.handler(payload, _context()))
    assert [(r["status"], r["reason"]) for r in summary["results"]] == [("published", "media_not_found")]
    assert json.loads(fc.handler(payload, _context()))["results"][0]["status"] == "duplicate"


def test_the_timer_sweep_stops_at_a_role_without_ice_permission_and_records_nothing(
    function_env, emulator_server, store_url, monkeypatch, capsys
):
    import playgate.reconcile as timer
    from playgate.errors import AccessDenied
    from playgate.reconcile import WATERMARK_KEY

    monkeypatch.setenv("PLAYGATE_RECONCILE_INITIAL_LOOKBACK_S", str(5 * 365 * 86400))  # the catalog's jobs
    emulator_server.emulator.inject("403", rate=1.0, actions=["GetPlayInfo"])  # may list, may not read
    with pytest.raises(AccessDenied):
        timer.handler(b"timer", _context())
    parallelism = timer._runtime.settings.reconcile_parallelism
    assert 1 <= len(emulator_server.emulator.calls_to("GetPlayInfo")) <= parallelism  # no other job tried
    # jobs that need no GetPlayInfo (a failed job, a job without a media) may be gated; none is an alert
    # about access, and none of the refused jobs is recorded
    before = _messages(function_env, "alerts") + _messages(function_env, "playback")
    assert "access_denied" not in {message["data"].get("reason") for message in before}
    store = open_store(store_url)
    try:
        assert store.get_value(WATERMARK_KEY) is None  # the next sweep looks at the same jobs
    finally:
        store.close()
    out = capsys.readouterr().out
    assert [line["event"] for line in _lines(out) if line["level"] == "error"] == ["function.misconfigured"]

    emulator_server.emulator.clear_faults()
    summary = json.loads(timer.handler(b"timer", _context()))
    assert summary["published"] > 0 and summary["duplicates"] == len(before)  # nothing else was recorded
