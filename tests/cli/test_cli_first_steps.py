"""From the demo to one's own event: sample files that match the emulator, the environment it prints,
where the store is, and what a duplicate says (each through the command, as a user runs it)."""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import ROOT, playgate


def _sinks(folder: Path) -> dict[str, str]:
    return {
        "PLAYGATE_PLAYBACK_SINK": f"jsonl://{folder / 'playback.jsonl'}",
        "PLAYGATE_ALERT_SINK": f"jsonl://{folder / 'alerts.jsonl'}",
        "PLAYGATE_DEAD_LETTER_SINK": f"jsonl://{folder / 'dead-letters.jsonl'}",
        "PLAYGATE_LOG_LEVEL": "error",
    }


@pytest.fixture
def emulator_banner() -> Iterator[list[str]]:
    """``playgate emulator --port 0 --access-key …`` running; its banner, up to "Ctrl-C stops it."."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYGATE_", "ALIBABA_CLOUD_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "playgate.cli", "emulator", "--port", "0", "--access-key", "my-id:my-secret"],
        env={**base, "PYTHONPATH": str(ROOT / "src")},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or lines[-1] != "Ctrl-C stops it.":
            line = proc.stdout.readline()
            assert line, f"the emulator ended early: {lines}"
            lines.append(line.rstrip("\n"))
        yield lines
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _exported(banner: list[str]) -> dict[str, str]:
    """The variables of the banner's ``export`` command, read as a shell would."""
    text = "\n".join(banner).replace("\\\n", " ")
    (command,) = [line for line in text.splitlines() if line.startswith("export ")]
    return dict(word.split("=", 1) for word in shlex.split(command)[1:])


def test_the_emulator_prints_an_environment_that_works_when_pasted(emulator_banner, tmp_path, event_file):
    env = _exported(emulator_banner)
    assert env["PLAYGATE_ICE_ENDPOINT"] == emulator_banner[0]
    assert set(env) == {
        "PLAYGATE_ICE_ENDPOINT", "PLAYGATE_REGION", "PLAYGATE_ACCESS_KEY_ID", "PLAYGATE_ACCESS_KEY_SECRET",
    }  # fmt: skip
    done = playgate("run", str(event_file), env={**env, **_sinks(tmp_path)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["message_type"] == "playgate.playback.ready"


def test_an_access_key_added_on_the_command_line_is_accepted_and_its_secret_not_shown(
    emulator_banner, tmp_path, event_file
):
    assert "my-secret" not in "\n".join(emulator_banner)
    assert "It also accepts the AccessKey(s) you added: my-id." in emulator_banner
    env = {**_exported(emulator_banner), **_sinks(tmp_path)}
    mine = {**env, "PLAYGATE_ACCESS_KEY_ID": "my-id", "PLAYGATE_ACCESS_KEY_SECRET": "my-secret"}
    assert playgate("run", str(event_file), env=mine, cwd=tmp_path).returncode == 0
    other = {**env, "PLAYGATE_ACCESS_KEY_ID": "not-added", "PLAYGATE_ACCESS_KEY_SECRET": "x"}
    other["PLAYGATE_STORE"] = f"sqlite:///{tmp_path / 'other.sqlite3'}"  # not a duplicate of the first
    refused = playgate("run", str(event_file), env=other, cwd=tmp_path)
    # a key the emulator does not know is the function's misconfiguration: said, and no event used up
    assert refused.returncode == 2, refused.stderr
    assert "InvalidAccessKeyId.NotFound" in refused.stderr
    assert not (tmp_path / "alerts.jsonl").exists() or not (tmp_path / "alerts.jsonl").read_text().strip()


def test_an_access_key_without_a_secret_is_refused_with_the_form_to_use():
    done = playgate("emulator", "--access-key", "only-an-id")
    assert done.returncode == 2
    assert "an AccessKey is written ID:SECRET" in done.stderr


def test_every_sample_event_is_gated_as_its_description_says(emulator_server, tmp_path):
    done = playgate("samples", "--out", str(tmp_path / "samples"))
    assert done.returncode == 0, done.stderr
    listed = dict(re.findall(r"^  (\S+\.json)\n      (.+)$", done.stdout, flags=re.M))
    events = sorted((tmp_path / "samples" / "events").glob("*.json"))
    assert len(events) >= 5 and set(listed) == {str(path) for path in events}
    env = {**emulator_server.env, "PLAYGATE_REGION": "cn-shanghai", **_sinks(tmp_path)}
    for path in events:
        ran = playgate("run", str(path), env=env, cwd=tmp_path)
        assert ran.returncode == 0, (path.name, ran.stderr)
        for result in json.loads(ran.stdout)["results"]:
            assert result["status"] == "published", (path.name, result)
            said = result["message_type"].removeprefix("playgate.")
            if result.get("reason"):
                said += f" ({result['reason']})"
            assert said in listed[str(path)], (path.name, result)


def test_the_sample_ice_responses_are_the_catalogs_and_pass_the_example_rules(tmp_path):
    from playgate.testing import sample_catalog_path

    assert playgate("samples", "--out", str(tmp_path)).returncode == 0
    catalog = sample_catalog_path()
    assert (tmp_path / "GetMediaInfo.json").read_bytes() == (
        catalog / "media-ladder-ok.media.json"
    ).read_bytes()
    assert (tmp_path / "GetPlayInfo.json").read_bytes() == (
        catalog / "media-ladder-ok.play.json"
    ).read_bytes()


def test_a_command_keeps_its_store_in_the_working_folder_and_a_duplicate_says_how_to_gate_again(
    emulator_server, tmp_path, event_file
):
    env = {**emulator_server.env, "PLAYGATE_REGION": "cn-shanghai", **_sinks(tmp_path)}
    first = playgate("run", str(event_file), env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    store = tmp_path / ".playgate" / "store.sqlite3"
    assert store.is_file()

    again = playgate("run", str(event_file), env=env, cwd=tmp_path)
    assert again.returncode == 0
    assert json.loads(again.stdout)["results"][0]["status"] == "duplicate"
    (line,) = again.stderr.splitlines()
    key = json.loads(again.stdout)["results"][0]["key"]
    assert f"duplicate: {key!r} was already handled, so nothing was published again" in line
    assert f"the record is in the idempotency store sqlite:///{store}" in line
    statement = re.search(rf'sqlite3 {re.escape(str(store))} "([^"]+)"', line)
    assert statement, line
    with sqlite3.connect(store) as db:  # what the hint says to run
        db.execute(statement.group(1))
    third = playgate("run", str(event_file), env=env, cwd=tmp_path)
    assert json.loads(third.stdout)["results"][0]["status"] == "published", third.stderr
    assert len((tmp_path / "playback.jsonl").read_text().splitlines()) == 2
