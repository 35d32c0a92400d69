"""Exit codes a script can rely on, and output closed early (``playgate … | head``) ending quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import ROOT, playgate

from playgate.testing.sample_events import callback

WINDOW = ["--from", "2024-05-01T00:00:00Z", "--to", "2024-05-02T00:00:00Z"]
ICE = ROOT / "tests" / "fixtures" / "ice"
RULES = ROOT / "examples" / "rules.yml"
ICE_FILES = ["--media", str(ICE / "GetMediaInfo.json"), "--play", str(ICE / "GetPlayInfo.json")]

# every command, with arguments that make it print; {tmp}, {event}, {dl} are filled in per test
COMMANDS = {
    "help": ["--help"],
    "version": ["--version"],
    "demo": ["demo", "--out", "{tmp}/demo"],
    "samples": ["samples", "--out", "{tmp}/samples"],
    "run": ["run", "{event}"],
    "rules lint": ["rules", "lint", str(RULES)],
    "rules schema": ["rules", "schema"],
    "rules check": ["rules", "check", "--rules", str(RULES), "--format", "json", *ICE_FILES],
    "probe": ["probe", "http://127.0.0.1:9/master.m3u8"],
    "reconcile": ["reconcile", *WINDOW],
    "reconcile --dry-run": ["reconcile", *WINDOW, "--dry-run"],
    "dead-letters list": ["dead-letters", "list", "{dl}"],
    "dead-letters replay": ["dead-letters", "replay", "{dl}"],
    "emulator": ["emulator", "--port", "0"],
    "sinks test": ["sinks", "test", "stdout:"],
    "status": ["status", "job-cli-1"],
    "check": ["check", "media-ladder-ok"],
    "report": ["report", "--since", "1d"],
    "completion": ["completion", "bash"],
}


def _dead_letters(folder: Path, env: dict[str, str]) -> Path:
    """A real dead-letter file: what the handler wrote for a payload that is not JSON."""
    payload = folder / "not-json.bin"
    payload.write_bytes(b"\x00\x01 definitely not an event")
    done = playgate("run", str(payload), env=env)
    assert done.returncode == 1, done.stderr
    return folder / "dead-letters.jsonl"


def test_every_command_is_in_the_closed_pipe_list():
    from playgate import cli

    assert {argv[0] for argv in COMMANDS.values() if not argv[0].startswith("-")} == set(cli.COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_whose_output_is_closed_ends_quietly(name, local_env, event_file, tmp_path):
    dead_letters = _dead_letters(tmp_path, local_env)
    if name == "status":  # a verdict to show: the event gated first
        assert playgate("run", str(event_file), env=local_env).returncode == 0
    fill = {"{tmp}": str(tmp_path), "{event}": str(event_file), "{dl}": str(dead_letters)}
    argv = COMMANDS[name]
    for field, value in fill.items():
        argv = [part.replace(field, value) for part in argv]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYGATE_", "ALIBABA_CLOUD_"))}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte: every write fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "playgate.cli", *argv],
            env={**base, **local_env, "PYTHONPATH": str(ROOT / "src")},
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert "Exception ignored" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr


def test_playgate_without_a_command_prints_help_on_stderr_and_exits_2():
    done = playgate()
    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage: playgate COMMAND" in done.stderr and "samples" in done.stderr
    assert "--version" in playgate("--help").stdout


def test_a_replay_whose_items_are_dead_lettered_again_exits_1(local_env, tmp_path):
    dead_letters = _dead_letters(tmp_path, local_env)
    done = playgate("dead-letters", "replay", str(dead_letters), env=local_env)
    assert done.returncode == 1, done.stderr
    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert result["ok"] is False
    assert result["summary"]["results"][0]["status"] == "dead_letter"
    assert "item 1 dead_letter: malformed_event" in result["error"]
    assert "1 of 1 dead letter(s) were not handled" in done.stderr
    assert len(dead_letters.read_text().splitlines()) == 2  # dead-lettered once more


def test_a_replay_that_gates_its_items_exits_0(local_env, tmp_path):
    good = tmp_path / "dead.jsonl"
    event = callback("MediaConvertComplete", "job-replayed-1", "media-ladder-ok")
    from playgate.publish import Publisher
    from playgate.settings import Settings

    with Publisher(Settings(region="cn-shanghai", dead_letter_sink=f"jsonl://{good}")) as publisher:
        publisher.dead_letter("sink_refused", {"code": "X", "message": "was down"}, event, delivery_id="d-1")
    done = playgate("dead-letters", "replay", str(good), env=local_env)
    assert done.returncode == 0, done.stderr
    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert result["ok"] is True and result["summary"]["results"][0]["status"] == "published"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (json.dumps(callback("TranscodeComplete", "j-1", "m-1")),
         "an ICE event ('TranscodeComplete': send it through the gate with 'playgate run FILE')"),
        ('{"type": "playgate.qc.alert", "id": "x"}', "a 'playgate.qc.alert' CloudEvent"),
        ('[{"a": 1}]', "a JSON array of 1 item(s) (a trigger payload? send it with 'playgate run FILE')"),
        ("null", "a JSON null"),
    ],
)  # fmt: skip
def test_dead_letters_list_on_a_file_of_something_else_says_what_it_is(tmp_path, content, said):
    path = tmp_path / "ev.json"
    path.write_text(content + "\n")
    done = playgate("dead-letters", "list", str(path))
    assert done.returncode == 2
    assert f"{path}:1: {said}, not a dead letter" in done.stderr
    assert f"{path} holds no dead letters" in done.stderr
    assert "None" not in done.stderr


def test_reconcile_dry_run_lists_the_jobs_it_would_gate_and_publishes_nothing(local_env, tmp_path):
    from playgate.testing import sample_catalog_path

    done = playgate("reconcile", *WINDOW, "--dry-run", env=local_env)
    assert done.returncode == 0, done.stderr
    header, *rows, summary = done.stdout.splitlines()
    assert header.split() == ["JOB", "MEDIA", "STATUS"]
    jobs = json.loads((sample_catalog_path() / "jobs.json").read_text())["Jobs"]
    finished = [j for j in jobs if j["Status"] in {"Success", "Fail"}]
    assert [r.split() for r in rows] == [[j["JobId"], j["Input"]["Media"], j["Status"]] for j in finished]
    assert summary.startswith(f"would gate {len(finished)} of {len(jobs)} job(s)")
    assert f"{len(jobs) - len(finished)} still running" in summary
    assert done.stdout.count("would gate") == 1 and "published" not in done.stdout.replace(
        "nothing was published", ""
    )
    for name in ("playback.jsonl", "alerts.jsonl"):
        assert not (tmp_path / name).exists() or (tmp_path / name).read_text() == ""


def test_reconcile_prints_its_summary_once_and_its_log_on_stderr(local_env, tmp_path):
    done = playgate("reconcile", *WINDOW, env={**local_env, "PLAYGATE_LOG_LEVEL": "info"})
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # stdout is the summary alone
    published = [json.loads(x) for name in ("playback.jsonl", "alerts.jsonl")
                 for x in (tmp_path / name).read_text().splitlines()]  # fmt: skip
    assert summary["published"] == len(published) and summary["would_gate"] == 0
    assert '"event": "reconcile.done"' in done.stderr


def test_a_long_sweep_shows_progress_on_stderr(emulator_server, local_env):
    template = json.loads(json.dumps(emulator_server.emulator.jobs[0]))
    for number in range(230):
        job = {**template, "JobId": f"job-progress-{number:04d}", "Status": "Init"}
        job["SubmitTime"] = f"2024-05-01T{number // 60:02d}:{number % 60:02d}:30Z"
        emulator_server.emulator.add_job(job)
    done = playgate("reconcile", *WINDOW, "--dry-run", env=local_env)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("playgate reconcile: ")]
    assert [line.split(" jobs so far")[0] for line in lines] == [
        "playgate reconcile: 100",
        "playgate reconcile: 200",
    ]


def test_a_sweep_on_a_terminal_draws_a_progress_bar_there_and_keeps_stdout_plain(local_env):
    import pty

    base = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYGATE_", "ALIBABA_CLOUD_"))}
    terminal, terminal_end = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "playgate.cli", "reconcile", *WINDOW, "--dry-run"],
        env={**base, **local_env, "PYTHONPATH": str(ROOT / "src"), "TERM": "xterm", "COLUMNS": "100"},
        stdout=subprocess.PIPE,
        stderr=terminal_end,
    )
    os.close(terminal_end)
    drawn = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(terminal)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert b"reconcile" in drawn and b"jobs" in drawn and "━".encode() in drawn
    assert b"\x1b" not in stdout and stdout.decode().splitlines()[-1].startswith("would gate ")
