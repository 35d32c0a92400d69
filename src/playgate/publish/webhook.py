"""``webhook://`` and ``https://`` — the CloudEvent as JSON, signed per the Standard Webhooks spec.

``https://hooks.example.com/playgate?secret=${WEBHOOK_SECRET}`` (``webhook://host/path`` is the same
over HTTPS). The secret is a Standard Webhooks key, ``whsec_`` and base64, as receivers' libraries take
it. Headers: ``webhook-id`` is the CloudEvent id (so a resend is recognisably the same message),
``webhook-timestamp`` the Unix time, ``webhook-signature`` ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``.
``?unsigned=true`` sends without a signature (only for receivers that verify otherwise).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from typing import Any

from playgate.errors import ConfigError
from playgate.publish.base import bool_option
from playgate.publish.http_post import HttpPoster
from playgate.publish.sink_url import SinkUrl
from playgate.publish.size import encode_event

OPTIONS = {"secret", "unsigned", "timeout", "retry_for"}
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def decode_secret(display: str, secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) < 16:
        raise ConfigError(
            f"sink {display}: the secret is not a Standard Webhooks key (whsec_ followed by base64 of at "
            'least 16 bytes); make one with: python -c "import base64, os; '
            "print('whsec_' + base64.b64encode(os.urandom(32)).decode())\""
        )
    return key


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


class WebhookSink:
    def __init__(self, url: SinkUrl) -> None:
        self.url = url.display
        self.target = url.target
        unsigned = bool_option(url.display, "unsigned", url.options.get("unsigned"), False)
        secret = url.options.get("secret")
        if not secret and not unsigned:
            raise ConfigError(
                f"sink {url.display} has no signing secret: add secret=${{VAR}} (a whsec_… key in the "
                "environment variable VAR) or, for a receiver that verifies otherwise, unsigned=true"
            )
        self.key = None if unsigned else decode_secret(url.display, secret or "")
        self.poster = HttpPoster.from_options(url.display, url.options)

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        body = encode_event(event)

        def build() -> tuple[str, bytes, dict[str, str]]:
            now = int(time.time())
            headers = {"Content-Type": CONTENT_TYPE, "webhook-id": event["id"], "webhook-timestamp": str(now)}
            if self.key is not None:
                headers["webhook-signature"] = signature(self.key, event["id"], now, body)
            return self.target, body, headers

        self.poster.post(build, timeout_s=timeout_s)

    def close(self) -> None:
        self.poster.close()
