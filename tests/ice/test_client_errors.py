"""Final ICE failures become typed playgate errors that name what failed and never carry a secret."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import responses
from ice_helpers import SECRET, TOKEN

from playgate.errors import AccessDenied, InvalidRequest, MediaNotFound
from playgate.ice.client import IceClient
from playgate.settings import Settings
from playgate.testing import IceEmulator, mock_ice

ICE = re.compile(r"https://ice\.cn-shanghai\.aliyuncs\.com/.*")


def _error(code: str, message: str, status: int) -> dict:
    body = {
        "RequestId": "REQ-1234",
        "HostId": "ice.cn-shanghai.aliyuncs.com",
        "Code": code,
        "Message": message,
    }
    return {"json": body, "status": status}


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
        ("InvalidAccessKeyId.NotFound", 404, AccessDenied),
        ("SignatureDoesNotMatch", 400, AccessDenied),
        ("InvalidParameter", 400, InvalidRequest),
        ("InvalidParameter", 400, InvalidRequest),
    ],
)
def test_ice_error_codes_map_to_final_errors(make_client, code, status, error):
    client = make_client("https://ice.cn-shanghai.aliyuncs.com")
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, ICE, **_error(code, f"{code} happened", status))
        with pytest.raises(error) as info:
            client.get_media_info("m-1")
        assert len(mock.calls) == 1  # final: not retried
    assert info.value.code == code and info.value.request_id == "REQ-1234"
    assert "GetMediaInfo" in str(info.value) and "m-1" in str(info.value)


def test_invalid_parameter_saying_the_media_does_not_exist_is_media_not_found(make_client):
    client = make_client("https://ice.cn-shanghai.aliyuncs.com")
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, ICE, **_error("InvalidParameter", "The media m-1 does not exist.", 400))
        with pytest.raises(MediaNotFound):
            client.get_play_info("m-1")


def test_throttling_with_retry_after_code_on_http_503_is_retried(make_client):
    client = make_client("https://ice.cn-shanghai.aliyuncs.com")
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, ICE, **_error("ServiceUnavailable", "busy", 503))
        mock.add(responses.POST, ICE, json={"RequestId": "R2", "MediaInfo": {"MediaId": "m-1"}})
        assert client.get_media_info("m-1")["RequestId"] == "R2"
        assert len(mock.calls) == 2


def test_no_secret_appears_in_any_error_text(make_client):
    client = make_client("https://ice.cn-shanghai.aliyuncs.com")
    signed = (
        "https://b.oss-cn-shanghai.aliyuncs.com/x.mp4?OSSAccessKeyId=LTAI5tLeakedKeyId&Signature=abc123sig"
    )
    texts = []
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, ICE, **_error("Forbidden", f"denied for {SECRET} {TOKEN} at {signed}", 403))
        mock.add(responses.POST, ICE, **_error("InternalError", f"{signed} {SECRET}", 500))
        for _ in range(2):
            try:
                client.get_media_info("m-1")
            except Exception as exc:
                texts.append(f"{exc!s} {exc!r} {client!r}")
    assert len(texts) == 2
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
    client = IceClient.from_settings(Settings(_env_file=None), context)
    with mock_ice(IceEmulator()) as emulator:
        emulator.add_media("m-ctx", {"MediaInfo": {"MediaId": "m-ctx"}}, None)
        with pytest.raises(MediaNotFound) as info:
            client.get_play_info("m-ctx")
        assert client.get_media_info("m-ctx")["MediaInfo"]["MediaId"] == "m-ctx"
    text = f"{info.value} {client!r}"
    assert (
        "ctx-secret-123456" not in text and "ctx-token-987654" not in text and "STS.ctxKeyId12345" not in text
    )
    assert client.endpoint == "ice.cn-shanghai.aliyuncs.com"
