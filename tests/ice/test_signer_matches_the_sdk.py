"""playgate's ACS3-HMAC-SHA256 signer against the official implementation (alibabacloud_tea_openapi).

1. The signature itself: any method, path, query and headers (unicode, reserved characters, empty
   values, header names differing in case) give the SDK's ``Authorization``, byte for byte.
2. The whole request: the SDK's own ``call_api`` for an ICE action (its nonce and date fixed, the request
   captured where it would be sent) and playgate's transport build the same headers and the same
   ``Authorization``, with and without an STS token.
"""

from __future__ import annotations

import contextlib
import string
from unittest import mock

from alibabacloud_tea_openapi.client import Client
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from darabonba.core import DaraCore
from darabonba.request import DaraRequest
from darabonba.runtime import RuntimeOptions
from hypothesis import given, settings
from hypothesis import strategies as st

from playgate.ice import signer
from playgate.ice.credentials import Credentials
from playgate.ice.transport import request_headers, sign

ALGORITHM = "ACS3-HMAC-SHA256"
# parameter and header names are API identifiers; values are anything a user or ICE may put in them
names = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=20)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
reserved = st.sampled_from(["", " ", "+", "*", "~", "%", "%20", "/", "?", "&", "=", "#", "é", "中文", "😀"])
value_or_reserved = st.one_of(values, reserved, st.lists(reserved, max_size=6).map("".join))
access_key_ids = st.text(string.ascii_letters + string.digits + ".", min_size=1, max_size=24)
secrets = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]),
    path=st.one_of(st.just("/"), st.text(string.ascii_letters + "/-_.~", min_size=1).map(lambda p: "/" + p)),
    query=st.dictionaries(names, value_or_reserved, max_size=8),
    headers=st.dictionaries(st.one_of(names, names.map(str.upper)), value_or_reserved, max_size=8),
    payload=st.binary(max_size=64),
    key_id=access_key_ids,
    secret=secrets,
)
def test_authorization_is_the_sdks_for_any_request(method, path, query, headers, payload, key_id, secret):
    request = DaraRequest()
    request.method, request.pathname, request.query, request.headers = method, path, query, headers
    payload_sha256 = Utils.hash(payload, ALGORITHM).hex()
    theirs = Utils.get_authorization(request, ALGORITHM, payload_sha256, key_id, secret)
    ours = signer.authorization(method, path, query, headers, payload_sha256, key_id, secret)
    assert ours == theirs


class _Captured(Exception):
    pass


def _sdk_request(
    action: str, query: dict[str, str], creds: Credentials, nonce: str, date: str
) -> DaraRequest:
    """The request the official SDK would send for this RPC call (as the generated ICE client makes it)."""
    config = Config(
        access_key_id=creds.access_key_id,
        access_key_secret=creds.access_key_secret,
        security_token=creds.security_token,
        endpoint="ice.cn-shanghai.aliyuncs.com",
        protocol="https",
        region_id="cn-shanghai",
    )
    params = Params(
        action=action,
        version="2020-11-09",
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    captured: list[DaraRequest] = []

    def capture(request: DaraRequest, runtime: object) -> None:
        captured.append(request)
        raise _Captured

    with (
        mock.patch.object(DaraCore, "do_action", capture),
        mock.patch.object(Utils, "get_nonce", lambda: nonce),
        mock.patch.object(Utils, "get_timestamp", lambda: date),
        contextlib.suppress(_Captured, Exception),
    ):  # the SDK wraps what do_action raised
        Client(config).call_api(
            params, OpenApiRequest(query=dict(query)), RuntimeOptions(autoretry=False, max_attempts=1)
        )
    assert captured, "the SDK did not get as far as sending"
    return captured[0]


@settings(max_examples=60, deadline=None)
@given(
    action=st.sampled_from(["GetMediaInfo", "GetPlayInfo", "ListMediaInfoJobs"]),
    query=st.dictionaries(
        st.sampled_from(["MediaId", "OutputType", "AuthTimeout", "NextPageToken", "Status", "JobId"]),
        value_or_reserved,
        max_size=5,
    ),
    key_id=access_key_ids,
    secret=secrets,
    token=st.one_of(st.none(), st.text(string.ascii_letters + string.digits + "+/=", min_size=1)),
    nonce=st.text("0123456789abcdef", min_size=32, max_size=32),
)
def test_the_transport_signs_an_ice_call_as_the_sdk_does(action, query, key_id, secret, token, nonce):
    creds = Credentials(key_id, secret, token, "test")
    date = "2024-05-01T08:09:10Z"
    theirs = _sdk_request(action, query, creds, nonce, date)
    sdk_headers = {k.lower(): v for k, v in theirs.headers.items()}
    ours = request_headers(
        action,
        "ice.cn-shanghai.aliyuncs.com",
        creds,
        nonce=nonce,
        date=date,
        user_agent=sdk_headers["user-agent"],
    )
    # the SDK also signs which credential provider it used; a header only it sends, otherwise equal
    provider = sdk_headers.get("x-acs-credentials-provider")
    if provider is not None:
        ours["x-acs-credentials-provider"] = provider
    signed = {k.lower(): v for k, v in sign("POST", query, ours, creds).items()}
    assert theirs.query == query and theirs.method == "POST" and theirs.pathname == "/"
    assert signed == sdk_headers
    assert ("x-acs-security-token" in signed) == bool(token)
