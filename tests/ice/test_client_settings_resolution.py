"""Credentials chain, region and endpoint come from settings, the FC context and the environment."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from playgate.errors import ConfigError
from playgate.ice.client import IceClient, resolve_endpoint
from playgate.ice.credentials import resolve_credentials
from playgate.settings import Settings

ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id-0001", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret-0001"}
CONTEXT = SimpleNamespace(
    region="cn-beijing",
    credentials=SimpleNamespace(
        access_key_id="ctx-id-0001", access_key_secret="ctx-secret-01", security_token="tok-01"
    ),
)


def _settings(**values) -> Settings:
    return Settings(**values)


def test_explicit_settings_win_over_context_and_environment():
    creds = resolve_credentials(
        _settings(access_key_id="set-id-0001", access_key_secret="set-secret-1"), CONTEXT, ENV
    )
    assert (creds.access_key_id, creds.source) == ("set-id-0001", "settings")


def test_fc_context_wins_over_environment():
    creds = resolve_credentials(_settings(), CONTEXT, ENV)
    assert (creds.access_key_id, creds.security_token, creds.source) == (
        "ctx-id-0001",
        "tok-01",
        "fc-context",
    )


def test_environment_is_used_when_context_has_no_credentials():
    creds = resolve_credentials(_settings(), SimpleNamespace(region="x", credentials=None), ENV)
    assert (creds.access_key_id, creds.security_token, creds.source) == ("env-id-0001", None, "environment")


def test_nothing_found_means_the_sdk_default_chain():
    assert resolve_credentials(_settings(), None, {}) is None


def test_half_set_credentials_are_a_config_error_naming_the_variables():
    with pytest.raises(ConfigError, match="PLAYGATE_ACCESS_KEY_SECRET"):
        resolve_credentials(_settings(access_key_id="only-the-id"), None, {})


def test_repr_of_credentials_shows_no_key():
    creds = resolve_credentials(_settings(), CONTEXT, ENV)
    assert "ctx-id-0001" not in repr(creds) and "ctx-secret-01" not in repr(creds)


@pytest.mark.parametrize(
    ("values", "region", "expected"),
    [
        ({"region": "cn-shanghai"}, None, ("ice.cn-shanghai.aliyuncs.com", "https")),
        ({"region": "cn-shanghai", "ice_vpc": True}, None, ("ice-vpc.cn-shanghai.aliyuncs.com", "https")),
        ({}, "ap-southeast-1", ("ice.ap-southeast-1.aliyuncs.com", "https")),
        ({"ice_endpoint": "http://127.0.0.1:8790"}, None, ("127.0.0.1:8790", "http")),
        ({"ice_endpoint": "ice.cn-hangzhou.aliyuncs.com"}, None, ("ice.cn-hangzhou.aliyuncs.com", "https")),
    ],
)
def test_endpoint_resolution(values, region, expected):
    assert resolve_endpoint(_settings(**values), _settings(**values).resolved_region(region)) == expected


def test_missing_region_is_a_config_error(monkeypatch):
    monkeypatch.delenv("ALIBABA_CLOUD_REGION_ID", raising=False)
    with pytest.raises(ConfigError, match="PLAYGATE_REGION"):
        IceClient.from_settings(_settings())


def test_from_settings_takes_region_from_context_and_policy_from_settings():
    client = IceClient.from_settings(
        _settings(ice_max_attempts=2, ice_timeout_s=1.5, ice_deadline_s=4), CONTEXT
    )
    assert client.endpoint == "ice.cn-beijing.aliyuncs.com" and client.region_id == "cn-beijing"
    assert (client.policy.max_attempts, client.policy.timeout_s, client.policy.budget_s) == (2, 1.5, 4)
