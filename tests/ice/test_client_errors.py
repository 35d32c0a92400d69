"""Final ICE failures become typed playgate errors that name what failed and never carry a secret."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ice_helpers import SECRET, TOKEN

from playgate.errors import AccessDenied, IceUnavailable, InvalidRequest, MediaNotFound, Misconfigured
from playgate.gate import MEDIA_ERRORS
from playgate.ice.client import IceClient
from playgate.settings import Settings
from playgate.testing import IceEmulator, mock_ice


def _error(code: str, message: str) -> dict:
    host = "ice.cn-shanghai.aliyuncs.com"
    return {"RequestId": "REQ-1234", "HostId": host, "Code": code, "Message": message}


def test_unknown_media_raises_media_not_found_naming_action_media_code_and_request_id(
    catalog_server, make_client
):
    client = make_client(catalog_server.url)
    with pytest.raises(MediaNotFound) as info:
        client.fetch("no-such-media")
    err = info.value
    assert not err.retryable and err.code == "ResourceNotFound" and err.request_id
    for part in ("GetMediaInfo", "no-such-media", "ResourceNotFound", err.request_id, "Fix:"):
        assert part in str(err)


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("Forbidden.RAM", 403, AccessDenied),
        ("NoPermission", 403, AccessDenied),
        ("InvalidAccessKeyId.NotFound", 404, AccessDenied),
        ("InvalidAccessKeyId.Inactive", 400, AccessDenied),
        ("SignatureDoesNotMatch", 400, AccessDenied),
        ("InvalidSecurityToken.Expired", 400, AccessDenied),
        ("InvalidSecurityToken.MismatchWithAccessKey", 400, AccessDenied),
        ("InvalidAction.NotFound", 404, Misconfigured),
        ("InvalidParameter", 400, InvalidRequest),
    ],
)
def test_ice_error_codes_map_to_typed_errors_that_are_not_retried_in_the_call(
    canned_ice, make_client, code, status, error
):
    client = make_client(canned_ice.url)
    canned_ice.answer(status, _error(code, f"{code} happened"))
    with pytest.raises(error) as info:
        client.get_media_info("m-1")
    assert len(canned_ice.requests) == 1  # final: not retried
    assert info.value.code == code and info.value.request_id == "REQ-1234"
    assert "GetMediaInfo" in str(info.value) and "m-1" in str(info.value)


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("InvalidAccessKeyId.NotFound", "ICE does not know the access key id"),
        ("SignatureDoesNotMatch", "the access key secret does not match the key id"),
        ("InvalidSecurityToken.Expired", "the STS security token is expired"),
        ("Forbidden.RAM", "may not call ice:GetMediaInfo: grant ice:GetMediaInfo"),
    ],
)
def test_errors_that_blame_the_function_say_it_is_misconfigured_and_where_to_fix_it(
    canned_ice, make_client, code, fix
):
    """Not the media's fault: the error is Misconfigured (the event comes back) and names the fix."""
    client = make_client(canned_ice.url)
    canned_ice.answer(403, _error(code, f"{code} happened"))
    with pytest.raises(Misconfigured) as info:
        client.get_media_info("m-1")
    said = info.value.message
    assert "The function is misconfigured" in said and fix in said
    assert info.value.retryable and not isinstance(info.value, MEDIA_ERRORS)
    assert SECRET not in said and TOKEN not in said


def test_the_fix_names_where_the_credentials_came_from(canned_ice):
    settings = Settings(
        ice_endpoint=canned_ice.url, region="cn-shanghai", access_key_id="ak-id", access_key_secret=SECRET
    )
    canned_ice.answer(404, _error("InvalidAccessKeyId.NotFound", "Specified access key is not found."))
    with pytest.raises(AccessDenied) as info:
        IceClient.from_settings(settings).get_media_info("m-1")
    assert "fix PLAYGATE_ACCESS_KEY_ID/PLAYGATE_ACCESS_KEY_SECRET" in info.value.message
    fc = SimpleNamespace(
        credentials={"access_key_id": "ak", "access_key_secret": SECRET, "security_token": TOKEN}
    )
    canned_ice.answers.clear()
    canned_ice.answer(400, _error("InvalidSecurityToken.Expired", "Specified SecurityToken is expired."))
    with pytest.raises(AccessDenied) as info:
        IceClient.from_settings(
            Settings(ice_endpoint=canned_ice.url, region="cn-shanghai"), fc
        ).get_media_info("m")
    assert "renew the function's role" in info.value.message and TOKEN not in info.value.message


def test_invalid_parameter_saying_the_media_does_not_exist_is_media_not_found(canned_ice, make_client):
    client = make_client(canned_ice.url)
    canned_ice.answer(400, _error("InvalidParameter", "The media m-1 does not exist."))
    with pytest.raises(MediaNotFound):
        client.get_play_info("m-1")


def test_throttling_with_retry_after_code_on_http_503_is_retried(canned_ice, make_client):
    client = make_client(canned_ice.url)
    canned_ice.answer(503, _error("ServiceUnavailable", "busy"))
    canned_ice.answer(200, {"RequestId": "R2", "MediaInfo": {"MediaId": "m-1"}})
    assert client.get_media_info("m-1")["RequestId"] == "R2"
    assert len(canned_ice.requests) == 2


@pytest.mark.parametrize("status", [400, 404, 413, 414])
def test_a_4xx_page_that_is_not_json_is_final_not_retried(canned_ice, make_client, status):
    """A front end's HTML (e.g. 414 for an over-long MediaId) will be the same next time (issue 9)."""
    client = make_client(canned_ice.url, max_attempts=5)
    page = f"<html><body><h1>{status} Request-URI Too Large</h1></body></html>".encode()
    canned_ice.answer(status, page, kind="text/html")
    with pytest.raises(InvalidRequest) as info:
        client.get_media_info("m-" + "x" * 40)
    assert len(canned_ice.requests) == 1
    assert not info.value.retryable and info.value.code == f"HTTP{status}"
    assert f"HTTP {status}" in str(info.value) and "text/html" in str(info.value)


@pytest.mark.parametrize("status", [502, 503, 429])
def test_a_5xx_or_429_page_that_is_not_json_is_retried(canned_ice, make_client, status):
    client = make_client(canned_ice.url, max_attempts=3)
    canned_ice.answer(status, b"<html>Bad Gateway</html>", kind="text/html")
    with pytest.raises(IceUnavailable) as info:
        client.get_media_info("m-1")
    assert len(canned_ice.requests) == 3 and info.value.retryable


def test_no_secret_appears_in_any_error_text(canned_ice, make_client):
    client = make_client(canned_ice.url, max_attempts=1)
    signed = (
        "https://b.oss-cn-shanghai.aliyuncs.com/x.mp4?OSSAccessKeyId=LTAI5tLeakedKeyId&Signature=abc123sig"
    )
    canned_ice.answer(403, _error("Forbidden", f"denied for {SECRET} {TOKEN} at {signed}"))
    canned_ice.answer(500, _error("InternalError", f"{signed} {SECRET}"))
    canned_ice.answer(414, f"<html>{signed} {SECRET} {TOKEN}</html>".encode(), kind="text/html")
    texts = []
    for _ in range(3):
        try:
            client.get_media_info("m-1")
        except Exception as exc:
            texts.append(f"{exc!s} {exc!r} {client!r}")
    assert len(texts) == 3
    for text in texts:
        for secret in (SECRET, TOKEN, "LTAI5tLeakedKeyId", "abc123sig", "LTAI5tTestKeyId0000"):
            assert secret not in text


def test_credentials_from_the_fc_context_are_used_and_never_shown(monkeypatch):
    for name in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    creds = SimpleNamespace(
        access_key_id="STS.ctxKeyId12345",
        access_key_secret="ctx-secret-123456",
        security_token="ctx-token-987654",
    )
    context = SimpleNamespace(credentials=creds, region="cn-shanghai")
    client = IceClient.from_settings(Settings(), context)
    with mock_ice(IceEmulator()) as emulator:
        emulator.add_access_key("STS.ctxKeyId12345", "ctx-secret-123456")
        emulator.add_media("m-ctx", {"MediaInfo": {"MediaId": "m-ctx"}}, None)
        with pytest.raises(MediaNotFound) as info:
            client.get_play_info("m-ctx")
        assert client.get_media_info("m-ctx")["MediaInfo"]["MediaId"] == "m-ctx"
    text = f"{info.value} {client!r}"
    assert (
        "ctx-secret-123456" not in text and "ctx-token-987654" not in text and "STS.ctxKeyId12345" not in text
    )
    assert client.endpoint == "ice.cn-shanghai.aliyuncs.com"
