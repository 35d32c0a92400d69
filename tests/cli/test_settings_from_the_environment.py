"""Settings come from PLAYGATE_* variables (any case), keyword arguments win, bad values are named."""

from __future__ import annotations

import pytest

from playgate.errors import ConfigError
from playgate.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in (
        "PLAYGATE_PROBE_CONCURRENCY",
        "playgate_log_level",
        "PLAYGATE_LOG_LEVEL",
        "PLAYGATE_ACCESS_KEY_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


def test_variables_are_read_whatever_their_case_and_typed(monkeypatch):
    monkeypatch.setenv("PLAYGATE_PROBE_CONCURRENCY", "3")
    monkeypatch.setenv("playgate_log_level", "WARNING")
    settings = load_settings()
    assert (settings.probe_concurrency, settings.log_level) == (3, "warning")
    assert Settings().probe_concurrency == 3


def test_keyword_arguments_override_the_environment(monkeypatch):
    monkeypatch.setenv("PLAYGATE_PROBE_CONCURRENCY", "3")
    assert Settings(probe_concurrency=5).probe_concurrency == 5


def test_a_bad_value_names_the_variable_and_never_echoes_a_secret(monkeypatch):
    monkeypatch.setenv("PLAYGATE_PROBE_CONCURRENCY", "many")
    monkeypatch.setenv("PLAYGATE_ACCESS_KEY_SECRET", "x" * 3000)  # fine: no length limit, never shown
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "PLAYGATE_PROBE_CONCURRENCY='many'" in caught.value.message
    assert "xxx" not in caught.value.message


def test_settings_are_frozen():
    with pytest.raises(ValueError):
        Settings().probe_concurrency = 2  # type: ignore[misc]
