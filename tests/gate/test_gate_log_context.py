"""Each invocation logs with its own context only: nothing bound by one shows up on a later one's lines."""

from __future__ import annotations

import json
from types import SimpleNamespace

import playgate.reconcile
from playgate import handler as fc
from playgate.testing.sample_events import callback


def _context(request_id: str) -> SimpleNamespace:
    return SimpleNamespace(request_id=request_id, credentials=None, function=SimpleNamespace(timeout=30))


def _log_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_a_later_invocation_never_carries_an_earlier_ones_request_job_or_media_id(
    function_env, monkeypatch, capsys
):
    monkeypatch.setenv("PLAYGATE_LOG_LEVEL", "info")
    first = callback("MediaConvertComplete", "job-context-first", "media-ladder-ok")
    fc.handler(json.dumps(first).encode(), _context("req-first"))
    first_lines = _log_lines(capsys.readouterr().out)
    # an event's last line: event.done, or playgate.verdict when it reached one
    done = [line for line in first_lines if line["event"] in ("event.done", "playgate.verdict")]
    assert done and all(line["request_id"] == "req-first" for line in done)
    assert done[0]["job_id"] == "job-context-first" and done[0]["media_id"] == "media-ladder-ok"

    fc.handler(b'{"not": "an ICE event"}', _context("req-second"))  # malformed: binds no job of its own
    second_lines = _log_lines(capsys.readouterr().out)
    fc.handle_payload(json.dumps(callback("MediaConvertComplete", "job-context-cli", "media-preparing")))
    cli_lines = _log_lines(capsys.readouterr().out)  # the CLI's path: no FC context at all
    playgate.reconcile.handler(b"reconcile", _context("req-sweep"))
    sweep_lines = _log_lines(capsys.readouterr().out)

    assert second_lines and cli_lines and sweep_lines
    assert {line.get("request_id") for line in second_lines} == {"req-second"}
    assert {line.get("request_id") for line in cli_lines} == {None}
    assert {line.get("request_id") for line in sweep_lines} <= {"req-sweep", None}  # worker threads: none
    assert any(line.get("request_id") == "req-sweep" for line in sweep_lines)
    for line in second_lines + cli_lines + sweep_lines:
        text = json.dumps(line)
        assert "req-first" not in text and "job-context-first" not in text, line
        assert line.get("media_id") != "media-ladder-ok", line
