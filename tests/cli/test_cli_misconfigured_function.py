"""From the command line, a function set up wrong (a key ICE does not know, no credentials at all) is a
configuration error: one line on stderr, exit 2, nothing recorded, so the same file gates the media once
it is fixed. ``playgate`` runs as a subprocess against the emulator over HTTP."""

from __future__ import annotations

import json

from cli_helpers import free_port, one_line_on_stderr, playgate


def _jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []


def test_run_with_a_wrong_key_records_nothing_and_the_same_file_is_gated_once_it_is_fixed(
    local_env, event_file, tmp_path
):
    wrong = {**local_env, "PLAYGATE_ACCESS_KEY_ID": "LTAI5tNotTheFunctionsKey"}
    done = playgate("run", str(event_file), env=wrong)
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert line.startswith("playgate run: ICE GetMediaInfo for media 'media-ladder-ok'")
    assert (
        "InvalidAccessKeyId.NotFound" in line
        and "fix PLAYGATE_ACCESS_KEY_ID/PLAYGATE_ACCESS_KEY_SECRET" in line
    )
    assert local_env["PLAYGATE_ACCESS_KEY_SECRET"] not in done.stdout + done.stderr
    assert _jsonl(tmp_path / "alerts.jsonl") == [] and _jsonl(tmp_path / "dead-letters.jsonl") == []

    fixed = playgate("run", str(event_file), env=local_env)
    assert fixed.returncode == 0, fixed.stderr
    summary = json.loads(fixed.stdout.splitlines()[-1])
    assert [r["status"] for r in summary["results"]] == ["published"]  # not "duplicate"
    assert [m["subject"] for m in _jsonl(tmp_path / "playback.jsonl")] == ["media-ladder-ok"]


def test_run_without_any_credentials_says_so_in_one_line_without_the_chains_tracebacks(
    local_env, event_file, tmp_path
):
    env = {k: v for k, v in local_env.items() if not k.startswith("PLAYGATE_ACCESS_KEY")}
    env.update(
        HOME=str(tmp_path),  # no credentials file of the developer's
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",  # never ask 100.100.100.200 from a test
        ALIBABA_CLOUD_CREDENTIALS_URI=f"http://127.0.0.1:{free_port()}/credentials",  # refused: it logs why
    )
    done = playgate("run", str(event_file), env=env)
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert line.startswith("playgate run: No ICE credentials: set PLAYGATE_ACCESS_KEY_ID")
    assert "Traceback" not in done.stdout and "Refresh credentials failed" not in done.stdout
    assert _jsonl(tmp_path / "alerts.jsonl") == [] and _jsonl(tmp_path / "playback.jsonl") == []


def test_reconcile_with_a_wrong_key_is_a_configuration_error(local_env, tmp_path):
    wrong = {**local_env, "PLAYGATE_ACCESS_KEY_SECRET": "not-the-secret"}
    done = playgate("reconcile", "--from", "2024-05-01T00:00:00Z", "--to", "2024-05-02T00:00:00Z", env=wrong)
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert line.startswith("playgate reconcile: ICE ListMediaInfoJobs at http://127.0.0.1:")
    assert "SignatureDoesNotMatch" in line and "the access key secret does not match the key id" in line
    assert "not-the-secret" not in done.stdout + done.stderr
    assert _jsonl(tmp_path / "alerts.jsonl") == [] and _jsonl(tmp_path / "playback.jsonl") == []


def test_dead_letter_replay_with_a_wrong_key_stops_in_one_line_and_replays_once_it_is_fixed(
    local_env, tmp_path
):
    from playgate.publish.dead_letter import make_dead_letter
    from playgate.testing.sample_events import callback

    records = tmp_path / "given.jsonl"
    letters = [
        make_dead_letter(
            "sink_rejected", None, callback("RegisterMediaComplete", f"job-dl-{n}", media), source="t"
        )
        for n, media in enumerate(("media-image", "media-ladder-ok"))
    ]
    records.write_text("".join(json.dumps(letter) + "\n" for letter in letters))
    wrong = {**local_env, "PLAYGATE_ACCESS_KEY_ID": "LTAI5tNotTheFunctionsKey"}
    done = playgate("dead-letters", "replay", str(records), env=wrong)
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert line.startswith("playgate dead-letters: ICE GetMediaInfo for media 'media-image'")
    assert "InvalidAccessKeyId.NotFound" in line and _jsonl(tmp_path / "playback.jsonl") == []

    fixed = playgate("dead-letters", "replay", str(records), env=local_env)
    assert fixed.returncode == 0, fixed.stderr
    assert sorted(m["subject"] for m in _jsonl(tmp_path / "playback.jsonl")) == [
        "media-image",
        "media-ladder-ok",
    ]
