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


SHARED_STDOUT = """
import threading
from playgate import log
from playgate.publish import open_sink
from playgate.settings import Settings

log.configure(json=True)
logger = log.get_logger("t")
sink = open_sink("stdout:", Settings())

def work(n):
    for i in range(300):
        logger.info("progress", worker=n, i=i, pad="x" * 3000)
        sink.send({"id": f"{n}-{i}", "data": {"pad": "y" * 5000}})

threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def test_log_lines_and_stdout_messages_from_many_threads_never_share_a_line(tmp_path) -> None:
    """In FC both go to stdout, and the reconciler's workers write from several threads."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", SHARED_STDOUT], capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stdout.splitlines()
    parsed = [json.loads(line) for line in lines]  # each line whole: a log line or a message
    assert (
        sum("id" in p for p in parsed) == 1200 and sum(p.get("event") == "progress" for p in parsed) == 1200
    )
