from __future__ import annotations

import json

import pytest
from publish_helpers import alert_event, make_settings

from playgate.errors import ConfigError
from playgate.publish import open_sink


def test_each_event_is_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    sink = open_sink("stdout:", make_settings())
    first, second = alert_event(report_chars=10), alert_event(report_chars=20)
    second["data"]["report_markdown"] += "\nline two\n中文"
    sink.send(first)
    sink.send(second)
    sink.close()
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [first, second]
    assert sink.url == "stdout:"


def test_an_unknown_scheme_lists_the_accepted_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        open_sink("kafka://topic", make_settings())
    message = str(caught.value)
    assert "kafka://topic" in message
    for scheme in ("stdout:", "jsonl:///", "mns-queue://", "mns-topic://"):
        assert scheme in message
