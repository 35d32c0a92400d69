"""``eventbridge://BUS`` — PutEvents of the CloudEvent to an Alibaba Cloud EventBridge custom bus.

``eventbridge://playgate-alerts?account_id=1234567890`` (endpoint ``<account>.eventbridge.<region>
.aliyuncs.com``, region from ``PLAYGATE_REGION`` / FC) or ``?endpoint=<host>`` (e.g. the ``-vpc`` one).
From the bus, EventBridge rules reach Tablestore, RocketMQ, SLS, HTTP and more without playgate code.

The data API is EventBridge's own (``POST /openapi/putEvents``, ``application/cloudevents-batch+json``),
signed like the official data SDK ``alibabacloud_eventbridge`` does: ``authorization: acs:<AccessKeyId>:
<base64 HMAC-SHA1>`` over method, content-type, date, the sorted ``x-acs-*`` headers and the path. That is
not the ACS3-HMAC-SHA256 signature of the OpenAPI (ICE), so the signer stays here, a dozen lines; the
tests prove it equal to the SDK's. The SDK itself is not used: it pins alibabacloud-credentials < 1.0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from playgate.errors import ConfigError, SinkRejected, SinkUnavailable
from playgate.ice.credentials import Credentials
from playgate.publish.base import url_options
from playgate.publish.http_post import HttpPoster, Reply, Request

PATH = "/openapi/putEvents"
CONTENT_TYPE = "application/cloudevents-batch+json; charset=utf-8"
OPTIONS = {"endpoint", "account_id", "timeout", "retry_for"}
_FINAL_CODES = (
    "EventBusNotExist",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "Forbidden",
)


def string_to_sign(method: str, headers: dict[str, str], path: str) -> str:
    canonical = "".join(f"{k}:{headers[k]}\n" for k in sorted(h for h in headers if h.startswith("x-acs")))
    fixed = (headers.get("content-md5", ""), headers.get("content-type", ""), headers.get("date", ""))
    return f"{method}\n" + "\n".join(fixed) + "\n" + canonical + path


def signature(secret: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()


class EventBridgeSink:
    def __init__(
        self, url: str, settings: Any, credentials: Callable[[], Credentials | None], region: str | None
    ):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.bus = parts.netloc or parts.path.lstrip("/")
        self.url = f"eventbridge://{self.bus}"
        if not self.bus:
            raise ConfigError(f"sink {url!r} names no event bus; use eventbridge://BUS?account_id=…")
        options = url_options(url, OPTIONS)
        self.endpoint = _endpoint(url, options, region)
        self._credentials = credentials
        self.poster = HttpPoster.from_options(url, options, display=self.url)
        self.current_credentials()

    def current_credentials(self) -> Credentials:
        found = self._credentials()
        if found is None:
            raise ConfigError(
                f"sink {self.url} has no credentials: give the FC service a role that allows "
                "eventbridge:PutEvents on the bus, or set PLAYGATE_ACCESS_KEY_ID and "
                "PLAYGATE_ACCESS_KEY_SECRET"
            )
        return found

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        body = json.dumps([{**event, "aliyuneventbusname": self.bus}], ensure_ascii=False).encode()
        reply = self.poster.post(lambda: self.request(body), timeout_s=timeout_s)
        self.check_entries(reply)

    def request(self, body: bytes) -> Request:
        found = self.current_credentials()
        host = self.endpoint.split("://", 1)[1]
        headers = {
            "date": formatdate(usegmt=True),
            "host": host,
            "accept": "application/json",
            "content-type": CONTENT_TYPE,
            "x-acs-signature-nonce": uuid.uuid4().hex,
            "x-acs-signature-method": "HMAC-SHA1",
            "x-acs-signature-version": "1.0",
            "x-eventbridge-version": "2015-06-06",
        }
        if found.security_token:
            headers["x-acs-accesskey-id"] = found.access_key_id
            headers["x-acs-security-token"] = found.security_token
        text = string_to_sign("POST", headers, PATH)
        headers["authorization"] = f"acs:{found.access_key_id}:{signature(found.access_key_secret, text)}"
        return self.endpoint + PATH, body, headers

    def check_entries(self, reply: Reply) -> None:
        """A 200 can still refuse the entry: ``FailedEntryCount`` > 0 with the entry's error code."""
        answer = reply.json()
        answer = answer.get("data", answer) if isinstance(answer, dict) else {}
        failed = answer.get("FailedEntryCount", answer.get("failedEntryCount", 0)) or 0
        if not failed:
            return
        entries = answer.get("EntryList", answer.get("entryList")) or [{}]
        code = str(entries[0].get("ErrorCode") or entries[0].get("errorCode") or "EntryFailed")
        message = (
            f"sink {self.url}: EventBridge refused the event ({code}: {entries[0].get('ErrorMessage', '')})"
        )
        if code.startswith(_FINAL_CODES):
            raise SinkRejected(message, code=code)
        raise SinkUnavailable(message, code=code)

    def close(self) -> None:
        self.poster.close()


def _endpoint(url: str, options: dict[str, str], region: str | None) -> str:
    endpoint = options.get("endpoint")
    if not endpoint:
        account = options.get("account_id")
        if not account or not region:
            raise ConfigError(
                f"sink {url!r} needs ?endpoint=<account>.eventbridge.<region>.aliyuncs.com, or ?account_id= "
                "with PLAYGATE_REGION set"
            )
        endpoint = f"{account}.eventbridge.{region}.aliyuncs.com"
    return endpoint if "://" in endpoint else f"https://{endpoint}"
