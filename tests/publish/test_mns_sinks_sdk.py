"""The MNS sinks through the real aliyun-mns-sdk, against the local MNS server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from types import SimpleNamespace

import pytest
from publish_helpers import ACCESS_KEY_ID, SECURITY_TOKEN, alert_event, make_settings

from playgate.errors import ConfigError, SinkRejected, SinkUnavailable
from playgate.publish import open_sink
from playgate.publish.size import event_size
from playgate.testing.mns_server import MnsServer

pytestmark = pytest.mark.usefixtures("cloud_env")


def _unicode_event() -> dict:
    event = alert_event(report_chars=50)
    event["data"]["title"] = 'Q&A <live> "中文" ünïcödé \u2603'
    return event


def test_a_queue_message_arrives_base64_encoded_and_intact(mns: MnsServer) -> None:
    sink = open_sink("mns-queue://alerts", make_settings(mns_endpoint=mns.endpoint))
    event = _unicode_event()
    sink.send(event)
    sink.close()
    assert [json.loads(body) for body in mns.messages("alerts")] == [event]
    raw = mns.raw_messages("alerts")[0]
    assert raw.isascii() and not raw.startswith("{"), "queue bodies travel base64-encoded"


def test_a_queue_can_send_plain_json_text(mns: MnsServer) -> None:
    sink = open_sink(f"mns-queue://alerts?endpoint={mns.endpoint}&base64=false", make_settings())
    event = _unicode_event()
    sink.send(event)
    assert [json.loads(body) for body in mns.raw_messages("alerts")] == [event]


def test_a_topic_message_arrives_as_plain_json(mns: MnsServer) -> None:
    sink = open_sink(f"mns-topic://playback-topic?endpoint={mns.endpoint}", make_settings())
    event = _unicode_event()
    sink.send(event)
    sink.send(event)
    assert [json.loads(body) for body in mns.messages("playback-topic")] == [event, event]
    assert sink.url == "mns-topic://playback-topic"


def test_requests_are_signed_with_the_resolved_credentials(mns: MnsServer) -> None:
    sink = open_sink("mns-queue://alerts", make_settings(mns_endpoint=mns.endpoint))
    sink.send(alert_event())
    headers = mns.received("alerts")[0].headers
    assert headers["authorization"].startswith(f"MNS {ACCESS_KEY_ID}:")
    assert headers["security-token"] == SECURITY_TOKEN
    assert headers["x-mns-version"] == "2015-06-06"


def test_fc_context_credentials_are_used_when_settings_have_none(mns: MnsServer, no_cloud_env: None) -> None:
    creds = SimpleNamespace(
        access_key_id="LTAIcontextKey0042", access_key_secret="ctx-secret-1", security_token=""
    )
    context = SimpleNamespace(credentials=creds)
    sink = open_sink("mns-queue://alerts", make_settings(mns_endpoint=mns.endpoint), context)
    sink.send(alert_event())
    assert mns.received("alerts")[0].headers["authorization"].startswith("MNS LTAIcontextKey0042:")
    assert "security-token" not in mns.received("alerts")[0].headers


def test_an_oversized_event_is_shortened_to_the_queue_limit(mns: MnsServer) -> None:
    small = MnsServer(queues=["alerts"], max_message_bytes=8192)
    with small:
        sink = open_sink(f"mns-queue://alerts?endpoint={small.endpoint}&max_bytes=8192", make_settings())
        event = alert_event(report_chars=100_000, passing=50, failing=3)
        sink.send(event)
        (body,) = small.messages("alerts")
    received = json.loads(body)
    assert received["id"] == event["id"]
    assert received["data"]["truncated"] is True
    assert event_size(received, "base64") <= 8192


def test_server_errors_are_retryable(mns: MnsServer) -> None:
    sink = open_sink("mns-queue://alerts", make_settings(mns_endpoint=mns.endpoint))
    mns.fail_next(1, status=503, code="ServiceUnavailable")
    with pytest.raises(SinkUnavailable) as caught:
        sink.send(alert_event())
    assert caught.value.retryable and caught.value.code == "ServiceUnavailable"
    assert "mns-queue://alerts" in str(caught.value)
    sink.send(alert_event())  # the next attempt goes through
    assert len(mns.messages("alerts")) == 1


def test_a_down_server_is_retryable_and_recovers(mns: MnsServer) -> None:
    sink = open_sink("mns-queue://alerts", make_settings(mns_endpoint=mns.endpoint))
    sink.send(alert_event())
    mns.stop()
    with pytest.raises(SinkUnavailable) as caught:
        sink.send(alert_event())
    assert caught.value.retryable
    assert "unreachable" in str(caught.value)
    mns.start()
    sink.send(alert_event())
    assert len(mns.messages("alerts")) == 2


def test_a_slow_server_times_out_retryably_without_a_second_try(mns: MnsServer) -> None:
    sink = open_sink(f"mns-queue://alerts?endpoint={mns.endpoint}&timeout=0.2", make_settings())
    mns.latency_s = 0.6
    with pytest.raises(SinkUnavailable, match="timed out"):
        sink.send(alert_event())
    assert mns.requests == 1


def test_a_refused_connection_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = open_sink(f"mns-topic://t?endpoint=http://127.0.0.1:{port}", make_settings())
    with pytest.raises(SinkUnavailable):
        sink.send(alert_event())


def test_a_missing_queue_is_final_and_says_which(mns: MnsServer) -> None:
    sink = open_sink("mns-queue://nope", make_settings(mns_endpoint=mns.endpoint))
    with pytest.raises(SinkRejected) as caught:
        sink.send(alert_event())
    assert not caught.value.retryable
    assert caught.value.code == "QueueNotExist"
    assert "'nope' does not exist" in str(caught.value)


def test_a_missing_topic_is_final(mns: MnsServer) -> None:
    sink = open_sink("mns-topic://nope", make_settings(mns_endpoint=mns.endpoint))
    with pytest.raises(SinkRejected) as caught:
        sink.send(alert_event())
    assert caught.value.code == "TopicNotExist"


def test_rejected_credentials_are_final_and_name_the_permission(mns: MnsServer) -> None:
    sink = open_sink("mns-topic://playback-topic", make_settings(mns_endpoint=mns.endpoint))
    mns.fail_next(1, status=403, code="AccessDenied")
    with pytest.raises(SinkRejected) as caught:
        sink.send(alert_event())
    assert "mns:PublishMessage" in str(caught.value) and "environment" in str(caught.value)


def test_the_server_refuses_an_unsigned_request(mns: MnsServer) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", mns.port, timeout=5)
    conn.request("POST", "/queues/alerts/messages", body=b"<Message><MessageBody>x</MessageBody></Message>")
    response = conn.getresponse()
    assert response.status == 400
    assert b"<Code>MissingAuthorizationHeader</Code>" in response.read()
    assert mns.messages("alerts") == []


def test_batch_send_through_the_sdk_is_answered(mns: MnsServer, cloud_env: None) -> None:
    from mns.account import Account
    from mns.queue import Message

    account = Account(mns.endpoint, ACCESS_KEY_ID, "secret-for-batch")
    sent = account.get_queue("alerts").batch_send_message([Message("one"), Message("two 中文")])
    assert len(sent) == 2 and all(m.message_id for m in sent)
    assert mns.messages("alerts") == ["one", "two 中文"]


def test_no_credentials_anywhere_is_a_config_error(mns: MnsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name)
    with pytest.raises(ConfigError) as caught:
        open_sink("mns-queue://alerts", make_settings(mns_endpoint=mns.endpoint))
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mns-queue://alerts", "PLAYGATE_MNS_ENDPOINT"),
        ("mns-queue://alerts?endpoint=127.0.0.1:1", "must start with http"),
        ("mns-queue://9bad_name?endpoint=http://127.0.0.1:1", "not an MNS queue name"),
        ("mns-topic://t?endpoint=http://127.0.0.1:1&base64=false", "unknown option 'base64'"),
        ("mns-queue://q?endpoint=http://127.0.0.1:1&max_bytes=100000", "max_bytes"),
    ],
)
def test_bad_sink_urls_are_config_errors(url: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        open_sink(url, make_settings())
