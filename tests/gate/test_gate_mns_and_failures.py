"""Messages to MNS through the real aliyun-mns-sdk, sinks that fail, and what reaches the logs."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from gate_world import GateWorld, local_settings
from playgate import handler as fc
from playgate.testing import sample_catalog_path
from playgate.testing.mns_server import MnsServer
from playgate.testing.sample_events import callback, mns_cloudevent


@pytest.fixture
def mns():
    with MnsServer(queues=["playback", "dead-letters"], topics=["alerts"]) as server:
        yield server


@pytest.fixture
def mns_world(make_world, mns) -> GateWorld:
    return make_world(
        mns_endpoint=mns.endpoint,
        playback_sink="mns-queue://playback",
        alert_sink="mns-topic://alerts",
        dead_letter_sink="mns-queue://dead-letters",
    )


def test_messages_reach_the_mns_queue_and_topic_as_cloudevents(mns_world, mns):
    batch = [
        mns_cloudevent(json.dumps(callback("MediaConvertComplete", "job-mns-1", "media-ladder-ok")), "m-1"),
        mns_cloudevent(
            json.dumps(callback("MediaConvertComplete", "job-mns-2", "media-broken-rendition")), "m-2"
        ),
        mns_cloudevent("garbage", "m-3"),
    ]
    summary = mns_world.send(batch)

    assert [r["status"] for r in summary["results"]] == ["published", "published", "dead_letter"]
    [ready] = [json.loads(body) for body in mns.messages("playback")]
    [alert] = [json.loads(body) for body in mns.messages("alerts")]
    [dead] = [json.loads(body) for body in mns.messages("dead-letters")]
    assert ready["type"] == "playgate.playback.ready" and ready["data"]["job_id"] == "job-mns-1"
    assert alert["type"] == "playgate.qc.alert" and alert["data"]["reason"] == "qc_failed"
    assert dead["type"] == "playgate.dead_letter"


def test_a_sink_that_is_down_leaves_the_event_retryable_and_after_recovery_it_publishes_once(mns_world, mns):
    payload = callback("MediaConvertComplete", "job-down-1", "media-ladder-ok")
    mns.stop()
    down = mns_world.send(payload)

    assert down.get("retry") is True
    assert down["results"][0]["status"] == "retry"
    assert down["results"][0]["reason"] == "sink_unavailable"

    mns.start()
    redelivered = mns_world.send(payload)
    duplicate = mns_world.send(payload)
    assert redelivered["results"][0]["status"] == "published"
    assert duplicate["results"][0]["status"] == "duplicate"
    assert len(mns.messages("playback")) == 1


def test_a_publish_refused_with_503_is_redelivered_and_then_published_once(mns_world, mns):
    payload = callback("MediaConvertComplete", "job-503-1", "media-ladder-ok")
    mns.fail_next(1, status=503)
    assert mns_world.send(payload).get("retry") is True

    mns_world.send(payload)
    [message] = [json.loads(body) for body in mns.messages("playback")]
    assert message["data"]["job_id"] == "job-503-1"


SECRET_ID = "LTAI5tTestAccessKey0001"
SECRET_KEY = "SuperSecretAccessKeySecretValue42"
STS_TOKEN = "CAISsecurityTokenValueForTheTest9"
URL_SIGNATURE = "SignatureValueThatMustNotLeak"


def test_no_access_key_token_or_signed_url_reaches_the_logs(emulator_server, tmp_path, capfd, monkeypatch):
    """Secrets pushed through every path: credentials, signed URLs in ICE answers, errors, malformed input."""
    emulator = emulator_server.emulator
    signed = (
        f"https://bucket.oss-cn-shanghai.aliyuncs.com/a.mp4?Expires=1999999999&OSSAccessKeyId={SECRET_ID}"
        f"&Signature={URL_SIGNATURE}&security-token={STS_TOKEN}"
    )
    catalog = sample_catalog_path()
    media = json.loads((catalog / "media-ladder-ok.media.json").read_text())
    play = json.loads((catalog / "media-ladder-ok.play.json").read_text())
    for rendition in play["PlayInfoList"]:
        rendition["PlayURL"] = signed
    media["MediaInfo"]["MediaBasicInfo"]["CoverURL"] = signed
    emulator.add_media("media-signed", media_info=media, play_info=play)

    emulator.add_access_key(SECRET_ID, SECRET_KEY)  # the emulator verifies the signature
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", SECRET_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET_KEY)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN)
    settings = local_settings(
        emulator_server.url,
        tmp_path,
        access_key_id=None,
        access_key_secret=None,
        log_level="debug",
        ice_max_attempts=2,
        playback_sink="stdout:",
    )
    runtime = fc.Runtime.build(settings)
    try:
        world = GateWorld(emulator=emulator, folder=tmp_path, runtime=runtime)
        world.send(callback("MediaConvertComplete", "job-secret-1", "media-signed"))
        emulator.inject("5xx", rate=1.0, seed=3)
        world.send(callback("MediaConvertComplete", "job-secret-2", "media-signed"))
        emulator.clear_faults()
        world.send(mns_cloudevent(f"not json {signed} {SECRET_KEY}", "m-secret"))
        world.send(callback("MediaConvertComplete", "job-secret-3", f"media?Signature={URL_SIGNATURE}"))
    finally:
        runtime.close()

    out, err = capfd.readouterr()
    logs = out + err
    assert "event.done" in logs, "the test must actually capture the log lines"
    dead_letters = (tmp_path / "dead-letters.jsonl").read_text()
    for secret in (SECRET_ID, SECRET_KEY, STS_TOKEN, URL_SIGNATURE):
        assert secret not in logs, f"{secret} leaked into the logs"
        assert secret not in dead_letters, f"{secret} leaked into a dead letter"


class _Credentials(SimpleNamespace):
    pass


def _context(**credentials):
    return SimpleNamespace(
        request_id="req-fc-1",
        region="cn-shanghai",
        credentials=_Credentials(**credentials) if credentials else None,
        function=SimpleNamespace(name="qc-gate", timeout=60, memory=512, handler="index.handler"),
    )


@pytest.fixture
def fc_environment(function_env, emulator_server, monkeypatch):
    for key_id, secret in (("STS.ctx-key-id", "ctx-secret"), ("STS.env-key-id", "env-secret")):
        emulator_server.emulator.add_access_key(key_id, secret)  # the emulator verifies signatures
    monkeypatch.delenv(
        "PLAYGATE_ACCESS_KEY_ID", raising=False
    )  # credentials from the context or FC 3.0's env
    monkeypatch.delenv("PLAYGATE_ACCESS_KEY_SECRET", raising=False)
    return function_env


def test_fc2_python310_context_credentials_run_the_handler(fc_environment):
    context = _context(
        access_key_id="STS.ctx-key-id", access_key_secret="ctx-secret", security_token="ctx-token"
    )
    fc.initialize(context)
    summary = json.loads(
        fc.handler(
            json.dumps(callback("MediaConvertComplete", "job-fc2", "media-ladder-ok")).encode(), context
        )
    )

    assert summary["results"][0]["status"] == "published"
    assert len((fc_environment / "playback.jsonl").read_text().splitlines()) == 1


def test_fc3_python312_environment_credentials_run_the_handler(fc_environment, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.env-key-id")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token")
    context = _context()
    fc.initialize(context)
    summary = json.loads(
        fc.handler(
            json.dumps(callback("MediaConvertComplete", "job-fc3", "media-ladder-ok")).encode(), context
        )
    )

    assert summary["results"][0]["status"] == "published"


def test_the_fc_handler_raises_only_when_an_item_must_be_retried(fc_environment, emulator_server):
    context = _context(
        access_key_id="STS.ctx-key-id", access_key_secret="ctx-secret", security_token="ctx-token"
    )
    fc.initialize(context)
    emulator_server.emulator.inject("5xx", rate=1.0, seed=2)
    payload = json.dumps(
        [
            mns_cloudevent("not json", "m-ok-to-drop"),
            mns_cloudevent(
                json.dumps(callback("MediaConvertComplete", "job-fc-retry", "media-ladder-ok")), "m-r"
            ),
        ]
    ).encode()

    with pytest.raises(fc.RetryLater) as raised:
        fc.handler(payload, context)
    statuses = [r["status"] for r in raised.value.summary["results"]]
    assert statuses == ["dead_letter", "retry"]


def test_a_rejected_alert_is_dead_lettered_and_replays_once_the_sink_is_fixed(
    function_env, monkeypatch, capsys
):
    """A final sink failure loses nothing: the event waits in the dead letters until it is replayed."""
    from playgate import cli

    with MnsServer(queues=["playback"], topics=[]) as mns:  # the alert topic does not exist
        dead_letters = function_env / "dead-letters.jsonl"
        monkeypatch.setenv("PLAYGATE_MNS_ENDPOINT", mns.endpoint)
        monkeypatch.setenv("PLAYGATE_ALERT_SINK", "mns-topic://alerts")
        event = function_env / "failed-job.json"
        event.write_text(json.dumps(callback("ProduceMediaComplete", "job-replay-1", None, status="Fail")))

        assert cli.main(["run", str(event)]) == 1  # handled, but into the dead letters: the run says so
        [record] = [json.loads(line) for line in dead_letters.read_text().splitlines()]
        assert record["data"]["reason"] == "sink_rejected"

        assert cli.main(["dead-letters", "list", str(dead_letters)]) == 0
        assert "sink_rejected" in capsys.readouterr().out

        alerts = function_env / "alerts.jsonl"
        monkeypatch.setenv("PLAYGATE_ALERT_SINK", f"jsonl://{alerts}")  # the operator fixes the sink
        assert cli.main(["dead-letters", "replay", str(dead_letters)]) == 0
        [alert] = [json.loads(line) for line in alerts.read_text().splitlines()]
        assert alert["data"]["job_id"] == "job-replay-1"
        assert alert["data"]["reason"] == "job_failed"
