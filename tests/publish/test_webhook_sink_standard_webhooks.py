"""``webhook://`` / ``https://``: the CloudEvent, verified on the receiving side with the published
``standardwebhooks`` library (the reference verifier), and the failures a webhook sink meets."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import pytest
from publish_helpers import alert_event, make_settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from playgate.errors import ConfigError, SinkRejected
from playgate.publish import open_sink
from playgate.testing.receivers import Answer, Receiver

SECRET = "whsec_" + base64.b64encode(b"playgate-test-webhook-key-32byte").decode()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(ok=Answer(204, b"")) as server:
        yield server


@pytest.fixture
def webhook_url(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    return f"{receiver.url}/hooks/playgate?tenant=a&secret=${{HOOK_SECRET}}"


def test_the_cloudevent_verifies_with_the_standard_webhooks_library(receiver, webhook_url):
    event = alert_event()
    open_sink(webhook_url, make_settings()).send(event)
    [got] = receiver.requests
    assert got.path == "/hooks/playgate" and got.query == {"tenant": "a"}
    assert got.headers["webhook-id"] == event["id"]
    assert got.headers["content-type"].startswith("application/cloudevents+json")
    assert Webhook(SECRET).verify(got.body, got.headers) == event


def test_a_receiver_with_another_secret_refuses_it(receiver, webhook_url):
    open_sink(webhook_url, make_settings()).send(alert_event())
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(receiver.requests[0].body, receiver.requests[0].headers)


def test_a_resend_carries_the_same_webhook_id(receiver, webhook_url):
    sink = open_sink(webhook_url, make_settings())
    event = alert_event()
    sink.send(event)
    sink.send(event)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event["id"]}


def test_5xx_is_retried_and_401_is_final(receiver, webhook_url):
    receiver.script(Answer(503, {}), Answer(401, {"error": "bad signature"}))
    with pytest.raises(SinkRejected, match="HTTP 401"):
        open_sink(webhook_url, make_settings()).send(alert_event(), timeout_s=5)
    assert [r.status for r in receiver.requests] == [503, 401]


def test_no_secret_is_a_configuration_error_unless_unsigned(receiver):
    with pytest.raises(ConfigError, match="no signing secret"):
        open_sink(f"{receiver.url}/hook", make_settings())
    open_sink(f"{receiver.url}/hook?unsigned=true", make_settings()).send(alert_event())
    assert "webhook-signature" not in receiver.requests[0].headers


def test_a_secret_that_is_not_a_standard_webhooks_key_is_refused(receiver, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "short")
    with pytest.raises(ConfigError, match="not a Standard Webhooks key") as caught:
        open_sink(f"{receiver.url}/hook?secret=${{HOOK_SECRET}}", make_settings())
    assert "short" not in str(caught.value).replace("shortened", "")


def test_an_https_receiver_whose_certificate_does_not_verify_is_refused_before_anything_is_sent(
    monkeypatch,
):
    import ssl

    import trustme

    monkeypatch.setenv("HOOK_SECRET", SECRET)
    unknown_ca = trustme.CA()  # not in the system's CA bundle, which is what the sinks trust
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    unknown_ca.issue_cert("127.0.0.1").configure_cert(context)
    with Receiver(tls=context) as receiver:
        url = f"{receiver.url}/in#secret=${{HOOK_SECRET}}"
        with pytest.raises(SinkRejected, match="certificate does not verify against the system's CA bundle"):
            open_sink(url, make_settings()).send(alert_event(), timeout_s=5)
        assert receiver.requests == []
