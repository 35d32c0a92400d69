"""Credentials come from settings, the FC context or ALIBABA_CLOUD_* first; only when none has them is
Alibaba Cloud's default chain (alibabacloud-credentials) imported and asked. Fresh processes, because the
chain reads its environment when imported."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET

FETCH = (
    "import sys; from playgate.settings import Settings; from playgate.ice.client import IceClient; "
    "body = IceClient.from_settings(Settings()).get_media_info('media-ladder-ok'); "
    "print(body['MediaInfo']['MediaId'], 'alibabacloud_credentials' in sys.modules)"
)


def _env(catalog_server, tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PLAYGATE_", "ALIBABA_CLOUD_", "ALICLOUD_"))
    }
    env.update(
        HOME=str(tmp_path),  # no ~/.alibabacloud or ~/.aliyun of the developer's
        PLAYGATE_ICE_ENDPOINT=catalog_server.url,
        PLAYGATE_REGION="cn-shanghai",
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",  # never ask 100.100.100.200 from a test
        **extra,
    )
    return env


def test_environment_credentials_sign_and_the_default_chain_is_never_imported(catalog_server, tmp_path):
    env = _env(
        catalog_server,
        tmp_path,
        ALIBABA_CLOUD_ACCESS_KEY_ID=TEST_ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=TEST_ACCESS_KEY_SECRET,
    )
    out = subprocess.run([sys.executable, "-c", FETCH], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["media-ladder-ok", "False"]


def test_with_nothing_else_the_default_chain_is_asked_and_its_key_signs(catalog_server, tmp_path):
    profile = tmp_path / "credentials.ini"
    profile.write_text(
        f"[default]\ntype = access_key\naccess_key_id = {TEST_ACCESS_KEY_ID}\n"
        f"access_key_secret = {TEST_ACCESS_KEY_SECRET}\n"
    )
    env = _env(catalog_server, tmp_path, ALIBABA_CLOUD_CREDENTIALS_FILE=str(profile))
    out = subprocess.run([sys.executable, "-c", FETCH], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["media-ladder-ok", "True"]


def test_no_credentials_anywhere_is_no_credentials_naming_the_ways_to_give_them(catalog_server, tmp_path):
    env = _env(catalog_server, tmp_path)
    out = subprocess.run([sys.executable, "-c", FETCH], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "NoCredentials" in out.stderr and "PLAYGATE_ACCESS_KEY_ID" in out.stderr
    assert catalog_server.emulator.calls == []


INITIALIZE = (
    "from types import SimpleNamespace; import playgate.handler as fc\n"
    "try:\n"
    "    fc.initialize(SimpleNamespace(request_id='req-init', region='cn-shanghai', credentials=None))\n"
    "except Exception as error:\n"
    "    print('initializer failed:', type(error).__name__)\n"
)


def test_the_fc_initializer_with_no_credentials_fails_in_one_log_line_and_the_chain_prints_nothing(
    catalog_server, tmp_path
):
    """The chain is asked once, at start; its providers' own logging (a traceback each) stays quiet."""
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))  # bound, never listening: the URL provider's connection is refused
    env = _env(
        catalog_server,
        tmp_path,
        ALIBABA_CLOUD_CREDENTIALS_URI=f"http://127.0.0.1:{refused.getsockname()[1]}/credentials",
        PLAYGATE_STORE=f"sqlite:///{tmp_path / 'store.sqlite3'}",
    )
    try:
        out = subprocess.run([sys.executable, "-c", INITIALIZE], env=env, capture_output=True, text=True)
    finally:
        refused.close()
    lines = out.stdout.splitlines()
    assert lines[-1] == "initializer failed: NoCredentials", out
    [logged] = [json.loads(line) for line in lines[:-1]]
    assert logged["event"] == "function.misconfigured" and logged["reason"] == "no_credentials"
    assert "No ICE credentials: set PLAYGATE_ACCESS_KEY_ID" in logged["error"]
    assert out.stderr == ""  # no "Refresh credentials failed", no traceback from the chain
    assert catalog_server.emulator.calls == []
