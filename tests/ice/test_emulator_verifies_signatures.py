"""The emulator checks every signature as ICE's gateway does: a wrong one, or an unknown AccessKey, is
refused with ICE's codes and never served. So every end-to-end test also proves the client's signer."""

from __future__ import annotations

import pytest
import requests
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from ice_helpers import KEY_ID, SECRET, signed_headers

from playgate.errors import AccessDenied, Misconfigured
from playgate.ice.client import IceClient
from playgate.ice.credentials import Credentials
from playgate.ice.retry import RetryPolicy
from playgate.ice.transport import request_headers, sign
from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET


def _client(url: str, key_id: str, secret: str, token: str | None = None) -> IceClient:
    return IceClient(
        endpoint=url.split("://", 1)[1],
        protocol="http",
        credentials=Credentials(key_id, secret, token, "test"),
        policy=RetryPolicy(max_attempts=3, budget_s=5, timeout_s=2, base_s=0.001, cap_s=0.01),
    )


def test_a_correct_signature_with_or_without_sts_token_is_served(catalog_server):
    for token in (None, "CAIS-sts-token-value"):
        body = _client(catalog_server.url, KEY_ID, SECRET, token).get_media_info("media-ladder-ok")
        assert body["MediaInfo"]["MediaId"] == "media-ladder-ok"


@pytest.mark.parametrize(
    ("key_id", "secret", "token", "code"),
    [
        (KEY_ID, "not-the-secret", None, "SignatureDoesNotMatch"),
        ("LTAI5tNobodyKnowsThisKey", SECRET, None, "InvalidAccessKeyId.NotFound"),
        ("STS.emulator-key", "sts-secret", "CAIS-yesterdays-token", "InvalidSecurityToken.Expired"),
    ],
)
def test_a_wrong_secret_an_unknown_key_or_an_expired_token_is_refused_once_as_misconfigured(
    catalog_server, key_id, secret, token, code
):
    catalog_server.emulator.add_access_key(
        "STS.emulator-key", "sts-secret", security_token="CAIS-todays-token"
    )
    client = _client(catalog_server.url, key_id, secret, token)
    with pytest.raises(AccessDenied) as info:
        client.get_media_info("media-ladder-ok")
    assert info.value.code == code and isinstance(info.value, Misconfigured)
    assert len(catalog_server.emulator.calls) == 1  # the function is set up wrong: trying again cannot help
    assert secret not in info.value.message and (token or secret) not in info.value.message


def test_an_sts_key_with_its_current_token_is_served(catalog_server):
    catalog_server.emulator.add_access_key(
        "STS.emulator-key", "sts-secret", security_token="CAIS-todays-token"
    )
    body = _client(catalog_server.url, "STS.emulator-key", "sts-secret", "CAIS-todays-token").get_media_info(
        "media-ladder-ok"
    )
    assert body["MediaInfo"]["MediaId"] == "media-ladder-ok"


def test_the_official_sdk_with_a_wrong_secret_is_refused(catalog_server):
    config = Config(
        access_key_id=TEST_ACCESS_KEY_ID,
        access_key_secret="wrong-secret",
        endpoint=catalog_server.url.split("://", 1)[1],
        protocol="http",
    )
    with pytest.raises(Exception) as info:
        Client(config).get_media_info(ice_models.GetMediaInfoRequest(media_id="media-ladder-ok"))
    assert getattr(info.value, "code", None) == "SignatureDoesNotMatch"


def _post(url: str, query: dict[str, str], headers: dict[str, str], body: bytes = b"") -> requests.Response:
    headers = {k: v for k, v in headers.items() if k != "host"}
    return requests.post(f"{url}/", params=query, headers=headers, data=body, timeout=5)


def test_a_request_changed_after_signing_is_refused_and_not_served(catalog_server):
    query = {"MediaId": "media-ladder-ok"}
    other_host = signed_headers("GetMediaInfo", query, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)
    host = catalog_server.url.split("://", 1)[1]
    creds = Credentials(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)
    good = sign("POST", query, request_headers("GetMediaInfo", host, creds, nonce="n", date="d"), creds)
    assert _post(catalog_server.url, query, good).status_code == 200

    for tampered_query, tampered_headers, body in (
        ({"MediaId": "media-audio-only"}, good, b""),  # another media
        (query, {**good, "x-acs-action": "GetPlayInfo"}, b""),  # another action
        (query, good, b"MediaId=media-audio-only"),  # a body the hash does not cover
        (query, other_host, b""),  # signed for host ice.emulator
    ):
        answer = _post(catalog_server.url, tampered_query, tampered_headers, body)
        assert answer.status_code == 403, answer.text
        assert answer.json()["Code"] == "SignatureDoesNotMatch" and "MediaInfo" not in answer.json()


def test_an_x_acs_header_sent_but_not_signed_is_an_incomplete_signature(catalog_server):
    host = catalog_server.url.split("://", 1)[1]
    creds = Credentials(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)
    query = {"MediaId": "media-ladder-ok"}
    headers = sign("POST", query, request_headers("GetMediaInfo", host, creds, nonce="n", date="d"), creds)
    answer = _post(catalog_server.url, query, {**headers, "x-acs-security-token": "smuggled"})
    assert answer.status_code == 400 and answer.json()["Code"] == "IncompleteSignature"
    assert "x-acs-security-token" in answer.json()["Message"]


def test_a_wrong_rpc_v2_signature_is_refused(catalog_server):
    params = {
        "Action": "GetMediaInfo",
        "Version": "2020-11-09",
        "MediaId": "media-ladder-ok",
        "AccessKeyId": TEST_ACCESS_KEY_ID,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": "n-1",
        "Timestamp": "2024-05-01T00:00:00Z",
        "Format": "JSON",
        "Signature": "bm90IGEgc2lnbmF0dXJl",
    }
    answer = requests.post(f"{catalog_server.url}/", data=params, timeout=5)
    assert answer.status_code == 403 and answer.json()["Code"] == "SignatureDoesNotMatch"
