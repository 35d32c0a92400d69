"""``eventbridge://BUS``: PutEvents to a local receiver that checks the request the way EventBridge's data
SDK builds it. The signature is verified with the SDK's own signer (alibabacloud_eventbridge_util)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from alibabacloud_eventbridge_util.client import Client as SdkSigner
from publish_helpers import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SECURITY_TOKEN, alert_event, make_settings

from playgate.errors import ConfigError, SinkRejected, SinkUnavailable
from playgate.ice.credentials import Credentials
from playgate.publish import open_sink
from playgate.publish.eventbridge import string_to_sign
from playgate.testing.receivers import Answer, Receiver

OK = {"RequestId": "r-1", "FailedEntryCount": 0, "EntryList": [{"EventId": "e", "TraceId": "t"}]}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(ok=Answer(200, OK)) as server:
        yield server


def credentials(token: str | None = None):
    return lambda: Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET, token, source="test")


def sdk_signature(got) -> str:
    request = SimpleNamespace(method="POST", pathname=got.path, headers=got.headers, query={})
    return SdkSigner.get_signature(SdkSigner.get_string_to_sign(request), ACCESS_KEY_SECRET)


def bridge(receiver: Receiver, token: str | None = None):
    url = f"eventbridge://playgate-alerts?endpoint={receiver.url}"
    return open_sink(url, make_settings(), credentials=credentials(token))


@pytest.mark.parametrize("token", [None, SECURITY_TOKEN])
def test_put_events_is_signed_exactly_as_the_sdk_signs(receiver, token):
    event = alert_event()
    bridge(receiver, token).send(event)
    [got] = receiver.requests
    assert got.path == "/openapi/putEvents"
    assert got.headers["content-type"] == "application/cloudevents-batch+json; charset=utf-8"
    assert got.headers["authorization"] == f"acs:{ACCESS_KEY_ID}:{sdk_signature(got)}"
    assert got.headers.get("x-acs-security-token") == token
    [sent] = got.json()
    assert sent == {**event, "aliyuneventbusname": "playgate-alerts"}


def test_string_to_sign_matches_the_sdk_for_any_x_acs_headers():
    headers = {
        "date": "Sun, 22 Nov 2026 03:00:00 GMT",
        "content-type": "application/cloudevents-batch+json; charset=utf-8",
        "x-acs-signature-nonce": "n",
        "x-acs-z": "last",
        "x-acs-accesskey-id": "id",
        "host": "h",
    }
    request = SimpleNamespace(method="POST", pathname="/openapi/putEvents", headers=headers, query={})
    assert string_to_sign("POST", headers, "/openapi/putEvents") == SdkSigner.get_string_to_sign(request)


def test_a_failed_entry_is_not_a_success(receiver):
    receiver.script(
        Answer(
            200,
            {"FailedEntryCount": 1, "EntryList": [{"ErrorCode": "EventBusNotExist", "ErrorMessage": "x"}]},
        ),
        Answer(200, {"FailedEntryCount": 1, "EntryList": [{"ErrorCode": "InternalError"}]}),
    )
    with pytest.raises(SinkRejected, match="EventBusNotExist"):
        bridge(receiver).send(alert_event())
    with pytest.raises(SinkUnavailable, match="InternalError"):
        bridge(receiver).send(alert_event())


def test_throttling_is_retried(receiver):
    receiver.script(Answer(429, {"code": "Throttling"}))
    bridge(receiver).send(alert_event(), timeout_s=5)
    assert [r.status for r in receiver.requests] == [429, 200]


def test_an_endpoint_is_required():
    with pytest.raises(ConfigError, match="account_id"):
        open_sink("eventbridge://bus", make_settings(), credentials=credentials())
    sink = open_sink(
        "eventbridge://bus?account_id=123", make_settings(region="cn-hangzhou"), credentials=credentials()
    )
    assert sink.endpoint == "https://123.eventbridge.cn-hangzhou.aliyuncs.com"
