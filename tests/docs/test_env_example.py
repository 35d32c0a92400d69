""".env.example lists every PLAYGATE_* setting playgate knows, once, with its real default."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from playgate.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LINES = re.findall(r"^# (PLAYGATE_[A-Z0-9_]+)=(.*)$", (ROOT / ".env.example").read_text("utf-8"), re.M)


def test_env_example_lists_exactly_the_known_settings_once_each():
    names = [name for name, _ in LINES]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(f"PLAYGATE_{field.upper()}" for field in Settings.model_fields)


@pytest.mark.parametrize(("name", "shown"), LINES, ids=[name for name, _ in LINES])
def test_the_value_shown_is_the_default(name, shown, monkeypatch):
    for variable in [v for v in os.environ if v.upper().startswith("PLAYGATE_")]:
        monkeypatch.delenv(variable)
    field = name.removeprefix("PLAYGATE_").lower()
    default = Settings.model_fields[field].default
    if shown == "":  # unset: None, or an empty text
        assert default in (None, "")
    else:
        assert getattr(Settings(**{field: shown}), field) == default
