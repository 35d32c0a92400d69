"""``playgate rules lint | check | schema`` with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rules_helpers import ICE, ROOT

from playgate.cli import main

MEDIA, PLAY, JOBS = (
    str(ICE / n) for n in ("GetMediaInfo.json", "GetPlayInfo.json", "ListMediaInfoJobs.json")
)


def test_lint_valid_file_exits_0(capsys):
    assert main(["rules", "lint", str(ROOT / "examples" / "rules.yml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_lint_invalid_file_exits_2_with_every_error_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "profiles:\n  p:\n    rules:\n      - {id: a, check: media.nope, eq: 1}\n"
        "      - {id: b, check: media.status, matches: '(('}\n"
    )
    assert main(["rules", "lint", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4: [unknown_path]" in err and f"{bad}:5: [bad_regex]" in err


def test_check_failing_media_exits_1_and_prints_json(capsys):
    assert main(["rules", "check", "--media", MEDIA, "--play", PLAY, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "fail" and data["profile"] == "default"


def test_check_warn_exits_0(capsys):
    assert main(["rules", "check", "--media", MEDIA, "--format", "markdown"]) == 0
    assert "QC WARN" in capsys.readouterr().out


def test_check_a_job_without_media_file(capsys):
    assert main(["rules", "check", "--job", JOBS, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["media_id"] == "4765337007f571edbfdf81848c01****"


def test_check_a_single_job_object(tmp_path, capsys):
    job = json.loads(Path(JOBS).read_text())["Jobs"][0]
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))
    assert main(["rules", "check", "--job", str(path), "--format", "json"]) == 0


def test_check_profile_event_type_and_user_data_select(tmp_path, capsys):
    argv = [
        "rules",
        "check",
        "--rules",
        str(ROOT / "examples" / "rules.yml"),
        "--media",
        MEDIA,
        "--format",
        "json",
    ]
    assert main([*argv, "--play", PLAY, "--user-data", '{"tier": "premium"}']) == 1
    assert json.loads(capsys.readouterr().out)["profile"] == "premium"
    main([*argv, "--event-type", "FileUploadComplete"])
    assert json.loads(capsys.readouterr().out)["profile"] == "upload"
    main([*argv, "--profile", "hls-ladder"])
    assert json.loads(capsys.readouterr().out)["profile"] == "hls-ladder"


def test_check_table_output(capsys):
    assert main(["rules", "check", "--media", MEDIA, "--play", PLAY]) == 1
    out = capsys.readouterr().out
    assert "QC FAIL" in out and "rendition[0] HD" in out and "9.0464" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--media", "/nonexistent/GetMediaInfo.json"], "GetMediaInfo file /nonexistent/GetMediaInfo.json"),
        (["--media", MEDIA, "--profile", "nope"], "--profile 'nope' is not a profile"),
        ([], "give --media"),
        (["--job", MEDIA], "is a GetMediaInfo response (it has MediaInfo), not ListMediaInfoJobs"),
        (
            ["--media", PLAY],
            "is a GetPlayInfo response (it has PlayInfoList), not GetMediaInfo: pass it with --play",
        ),
        (
            ["--media", JOBS],
            "is a ListMediaInfoJobs response (it has Jobs[]), not GetMediaInfo: pass it with --job",
        ),
        (
            ["--play", MEDIA],
            "is a GetMediaInfo response (it has MediaInfo), not GetPlayInfo: pass it with --media",
        ),
        (
            ["--rules", "/nonexistent/rules.yml", "--media", MEDIA],
            "rule file /nonexistent/rules.yml does not exist",
        ),
    ],
)
def test_check_bad_input_exits_2_naming_the_file(argv, words, capsys):
    assert main(["rules", "check", *argv]) == 2
    assert words in capsys.readouterr().err


def test_check_non_json_input_exits_2(tmp_path, capsys):
    path = tmp_path / "media.json"
    path.write_text("<xml/>")
    assert main(["rules", "check", "--media", str(path)]) == 2
    assert f"GetMediaInfo file {path} is not JSON" in capsys.readouterr().err


def test_schema_prints_json_schema_from_the_models(capsys):
    assert main(["rules", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    rule = schema["$defs"]["RuleSpec"]["properties"]
    assert {"check", "within", "in", "quantifier", "when", "where"} <= set(rule)
    assert schema["$defs"]["RuleSpec"]["additionalProperties"] is False
