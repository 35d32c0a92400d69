"""No access key, secret or STS token appears in an error, a log line or a dead letter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from publish_helpers import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SECURITY_TOKEN, alert_event, make_settings

from playgate import log
from playgate.errors import PlaygateError
from playgate.publish import Publisher, open_sink
from playgate.testing.mns_server import MnsServer

SECRETS = (ACCESS_KEY_ID, ACCESS_KEY_SECRET, SECURITY_TOKEN)


@pytest.fixture
def forget_log_config() -> Iterator[None]:
    """The test points structlog at the captured stdout; afterwards structlog forgets that stream."""
    yield
    structlog.reset_defaults()
    log._configured = False


@pytest.mark.usefixtures("cloud_env", "forget_log_config")
def test_errors_and_logs_never_show_credentials(
    mns: MnsServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log.configure(json=True, level="debug")  # here, once capfd is capturing
    logger = log.get_logger()
    settings = make_settings(
        mns_endpoint=mns.endpoint,
        playback_sink="mns-topic://playback-topic",
        alert_sink="mns-queue://alerts",
        dead_letter_sink=f"jsonl://{tmp_path}/dead.jsonl",
    )
    publisher = Publisher(settings)
    messages: list[str] = []

    def attempt(action) -> None:
        try:
            action()
        except PlaygateError as error:
            messages.append(str(error))
            logger.warning("publish.failed", error=str(error), reason=error.reason, code=error.code)

    echo = f"denied for MNS {ACCESS_KEY_ID}:c2lnbmF0dXJl secret={ACCESS_KEY_SECRET} token {SECURITY_TOKEN}"
    mns.fail_next(1, status=403, code="AccessDenied", message=echo)
    attempt(lambda: publisher.publish(alert_event()))
    mns.fail_next(1, status=500, code="InternalError", message=echo)
    attempt(lambda: publisher.publish(alert_event()))
    attempt(lambda: open_sink("mns-queue://missing", settings).send(alert_event()))
    mns.stop()
    attempt(lambda: publisher.publish(alert_event()))
    publisher.dead_letter(
        "malformed_event",
        {"code": "Bad", "message": f"key {ACCESS_KEY_ID}", "access_key_secret": ACCESS_KEY_SECRET},
        f'{{"FileUrl": "https://b.oss.example.com/a.mp4?OSSAccessKeyId={ACCESS_KEY_ID}&Signature=abc'
        f'&security-token={SECURITY_TOKEN}", "k": "{ACCESS_KEY_SECRET}"}}'.encode(),
        delivery_id="d-1",
    )
    publisher.close()

    assert len(messages) == 4, messages
    captured = capfd.readouterr()
    dead = (tmp_path / "dead.jsonl").read_text()
    everything = "\n".join([*messages, captured.out, captured.err, dead])
    assert "publish.failed" in captured.out, "the log lines were captured"
    for secret in SECRETS:
        assert secret not in everything
    assert json.loads(dead)["data"]["payload"].count("***") >= 3
