from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from publish_helpers import make_settings

from playgate.cli import main
from playgate.cli.dead_letters import configure_parser, run
from playgate.errors import IceUnavailable
from playgate.publish import Publisher
from playgate.publish.size import fit_to_limit

RAW = b'{"EventType": "MediaConvertComplete", "MessageBody": {"JobId": "j-9"'  # cut short: not JSON


def _write_dead_letters(path: Path) -> list[dict[str, Any]]:
    with Publisher(make_settings(dead_letter_sink=f"jsonl://{path}")) as publisher:
        publisher.dead_letter(
            "malformed_event", {"code": "NotJson", "message": "Expecting ','"}, RAW, delivery_id="m-1"
        )
        publisher.dead_letter(
            "media_not_found",
            {"code": "InvalidParameter", "message": "media does not exist", "reason": "media_not_found"},
            {"EventType": "ProduceMediaComplete", "MessageBody": {"JobId": "j-2", "MediaId": "gone"}},
            delivery_id="m-2",
        )
    return [json.loads(line) for line in path.read_text().splitlines()]


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure_parser(parser)
    return parser.parse_args(list(argv))


def test_list_prints_time_reason_delivery_id_and_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dead.jsonl"
    events = _write_dead_letters(path)
    assert main(["dead-letters", "list", str(path)]) == 0
    out, err = capsys.readouterr()
    header, first, second = out.splitlines()
    assert header.split() == ["TIME", "REASON", "DELIVERY", "ID", "ID", "ERROR"]
    assert first.split()[:4] == [events[0]["time"], "malformed_event", "m-1", events[0]["id"]]
    assert first.endswith("NotJson: Expecting ','")
    assert second.split()[:4] == [events[1]["time"], "media_not_found", "m-2", events[1]["id"]]
    assert "2 dead letter(s)" in err


def test_list_reports_lines_it_cannot_read_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dead.jsonl"
    _write_dead_letters(path)
    with path.open("a") as f:
        f.write('{"type": "playgate.qc.alert", "id": "x"}\n{broken\n')
    assert run(_args("list", str(path))) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3
    assert f"{path}:3: a 'playgate.qc.alert' CloudEvent, not a dead letter" in err
    assert f"{path}:4: not JSON" in err


def test_list_as_json_gives_the_records_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dead.jsonl"
    events = _write_dead_letters(path)
    assert run(_args("list", str(path), "--json")) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == events


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(_args("list", str(tmp_path / "nope.jsonl"))) == 2
    assert "no such file" in capsys.readouterr().err


def test_replay_sends_each_original_payload_through_the_handler(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dead.jsonl"
    events = _write_dead_letters(path)
    seen: list[Any] = []

    def handle(payload: Any) -> dict[str, Any]:
        seen.append(payload)
        return {"items": 1, "results": [{"status": "published"}]}

    assert run(_args("replay", str(path)), handle=handle) == 0
    assert seen == [
        RAW.decode(),
        {"EventType": "ProduceMediaComplete", "MessageBody": {"JobId": "j-2", "MediaId": "gone"}},
    ]
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["ok"]) for r in results] == [(events[0]["id"], True), (events[1]["id"], True)]


def test_replay_of_one_id_sends_only_that_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dead.jsonl"
    events = _write_dead_letters(path)
    seen: list[Any] = []
    assert (
        run(_args("replay", str(path), "--id", events[1]["id"]), handle=lambda p: seen.append(p) or {}) == 0
    )
    assert seen == [json.loads(events[1]["data"]["payload"])]
    assert seen[0]["MessageBody"]["MediaId"] == "gone"
    assert run(_args("replay", str(path), "--id", "no-such-id"), handle=lambda p: {}) == 2
    assert "no-such-id" in capsys.readouterr().err


def test_replay_goes_on_after_a_failure_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dead.jsonl"
    _write_dead_letters(path)
    calls: list[Any] = []

    def handle(payload: Any) -> dict[str, Any]:
        calls.append(payload)
        if len(calls) == 1:
            raise IceUnavailable("ICE still throttling after 6 attempts")
        return {"items": 1}

    assert run(_args("replay", str(path)), handle=handle) == 1
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["ok"] for r in results] == [False, True]
    assert results[0]["error"] == "ice_unavailable: ICE still throttling after 6 attempts"
    assert len(calls) == 2


def test_a_dead_letter_cut_to_fit_a_queue_is_not_replayed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dead.jsonl"
    with Publisher(make_settings(dead_letter_sink="stdout:")) as publisher:
        publisher.dead_letter("malformed_event", None, b"y" * 10_000)
    event = json.loads(capsys.readouterr().out)
    path.write_text(json.dumps(fit_to_limit(event, 4096)) + "\n")
    calls: list[Any] = []
    assert run(_args("replay", str(path)), handle=lambda p: calls.append(p) or {}) == 1
    (result,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert calls == [] and result["ok"] is False
    assert "shortened to fit" in result["error"]


# Issue 9: a payload is written by whoever sent it; its text must not steer the operator's terminal.
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202etxt.exe"
STEERING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_list_shows_terminal_escapes_from_payloads_as_text_never_raw(world, tmp_path: Path) -> None:
    from playgate.testing.sample_events import mns_cloudevent

    hostile = mns_cloudevent(f"not an ICE event {ESCAPES}", message_id=f"msg-{ESCAPES}")
    summary = world.send([hostile])
    assert summary["results"][0]["status"] == "dead_letter", summary
    dead_letters = world.folder / "dead-letters.jsonl"
    [record] = [json.loads(line) for line in dead_letters.read_text(encoding="utf-8").splitlines()]
    assert "owned" in record["data"]["payload"], "the record keeps the payload as it came"

    for extra in ([], ["--json"]):
        shown = subprocess.run(
            [sys.executable, "-m", "playgate.cli", "dead-letters", "list", str(dead_letters), *extra],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        out = shown.stdout.decode("utf-8")
        assert not STEERING.search(out), f"raw control characters reach the terminal: {out!r}"
        assert "\\x1b[2J" in out or "\\u001b[2J" in out, out  # shown, as text
        assert "\\u202e" in out, out
